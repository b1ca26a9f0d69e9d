import Foundation
import Testing

@testable import GatewayTLS

/// The ACME building blocks in GatewayTLS, checked against the `openssl` command-line tool.
@Suite struct ACMECryptoTests {
    @Test(arguments: [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
    ])
    func base64URLMatchesRFC4648Vectors(input: String, expected: String) {
        #expect(Base64URL.encode(input) == expected)
    }

    @Test func base64URLUsesTheURLAlphabet() {
        #expect(Base64URL.encode([0xFB, 0xFF, 0xBF]) == "-_-_")
    }

    @Test func keySurvivesAPEMRoundTrip() throws {
        let key = try P256SigningKey.generate()
        let reloaded = try P256SigningKey(pem: key.pemEncoded())
        #expect(reloaded.publicJWK == key.publicJWK)
        #expect(String(decoding: key.pemEncoded(), as: UTF8.self).hasPrefix("-----BEGIN PRIVATE KEY-----"))
    }

    @Test func nonP256KeysAreRefused() throws {
        #expect(throws: TLSError.self) { try P256SigningKey(pem: Array("not a key".utf8)) }
        guard opensslAvailable else { return }
        let directory = makeTemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/p384.pem"
        _ = try run("/usr/bin/openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", path])
        let pem = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(throws: TLSError.self) { try P256SigningKey(pem: pem) }
    }

    /// The JWK coordinates are the key's public point, and the thumbprint is SHA-256 over RFC 7638's form.
    @Test func jwkAndThumbprintMatchOpenSSL() throws {
        guard opensslAvailable else { return }
        let key = try P256SigningKey.generate()
        let directory = try self.directory()
        let keyPath = directory + "/key.pem"
        try Data(key.pemEncoded()).write(to: URL(fileURLWithPath: keyPath))
        let text = try run("/usr/bin/openssl", ["pkey", "-in", keyPath, "-noout", "-text"]).output
        // "pub:" is followed by the hex of 04 || X || Y, wrapped over lines.
        let pubSection = text.components(separatedBy: "pub:")[1].components(separatedBy: "ASN1 OID")[0]
        let hex = pubSection.filter { $0.isHexDigit }
        let point = stride(from: 0, to: hex.count, by: 2).map { offset -> UInt8 in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
        }
        #expect(point.count == 65)
        #expect(key.publicJWK.x == Base64URL.encode(point[1...32]))
        #expect(key.publicJWK.y == Base64URL.encode(point[33...64]))
        #expect(key.publicJWK.canonicalJSON == #"{"crv":"P-256","kty":"EC","x":"\#(key.publicJWK.x)","y":"\#(key.publicJWK.y)"}"#)

        let jsonPath = directory + "/jwk.json"
        try Data(key.publicJWK.canonicalJSON.utf8).write(to: URL(fileURLWithPath: jsonPath))
        let digest = try run("/usr/bin/openssl", ["dgst", "-sha256", "-binary", "-out", directory + "/digest", jsonPath])
        #expect(digest.status == 0)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/digest")))
        #expect(key.publicJWK.thumbprint == Base64URL.encode(bytes))
    }

    /// ES256 is raw r||s; openssl verifies the DER form, so the test re-wraps the two integers.
    @Test func es256SignatureVerifiesWithOpenSSL() throws {
        guard opensslAvailable else { return }
        let key = try P256SigningKey.generate()
        let message = Array("eyJhbGciOiJFUzI1NiJ9.e30".utf8)
        let signature = try key.signES256(message)
        #expect(signature.count == 64)

        let directory = try self.directory()
        try Data(key.pemEncoded()).write(to: URL(fileURLWithPath: directory + "/key.pem"))
        try Data(message).write(to: URL(fileURLWithPath: directory + "/message"))
        try Data(Self.derSignature(r: Array(signature[0..<32]), s: Array(signature[32..<64])))
            .write(to: URL(fileURLWithPath: directory + "/signature.der"))
        let verified = try run("/usr/bin/openssl", [
            "dgst", "-sha256", "-prverify", directory + "/key.pem", "-signature", directory + "/signature.der", directory + "/message",
        ])
        #expect(verified.output.contains("Verified OK"), "\(verified.output)")
    }

    @Test func csrListsEveryNameAndIsSignedByTheKey() throws {
        guard opensslAvailable else { return }
        let key = try P256SigningKey.generate()
        let der = try CertificateSigningRequest.der(dnsNames: ["a.example.test", "b.example.test"], key: key)
        let directory = try self.directory()
        try Data(der).write(to: URL(fileURLWithPath: directory + "/csr.der"))
        let text = try run("/usr/bin/openssl", ["req", "-inform", "DER", "-in", directory + "/csr.der", "-noout", "-text", "-verify"])
        #expect(text.status == 0, "\(text.output)")
        #expect(text.output.contains("DNS:a.example.test, DNS:b.example.test"))
        #expect(text.output.contains("CN = a.example.test") || text.output.contains("CN=a.example.test"))
        #expect(text.output.contains("verify OK") || text.output.contains("Certificate request self-signature verify OK"))
        #expect(throws: TLSError.self) { try CertificateSigningRequest.der(dnsNames: [], key: key) }
    }

    /// RFC 8737 §3: SAN is the domain; critical acmeIdentifier holding DER OCTET STRING(SHA-256(keyAuth)).
    @Test func challengeCertificateCarriesTheACMEIdentifier() throws {
        guard opensslAvailable else { return }
        let store = TLSALPNChallengeStore()
        let keyAuthorization = "token-123.thumbprint-456"
        try store.setChallenge(domain: "acme.example.test", keyAuthorization: keyAuthorization)
        let pem = try #require(store.certificatePEM(forDomain: "ACME.example.test."))
        let directory = try self.directory()
        try Data(pem).write(to: URL(fileURLWithPath: directory + "/challenge.pem"))
        let text = try run("/usr/bin/openssl", ["x509", "-in", directory + "/challenge.pem", "-noout", "-text"]).output
        #expect(text.contains("DNS:acme.example.test"))
        #expect(text.contains("1.3.6.1.5.5.7.1.31: critical"))
        _ = try run("/usr/bin/openssl", ["x509", "-in", directory + "/challenge.pem", "-outform", "DER", "-out", directory + "/challenge.der"])
        let der = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/challenge.der")))
        // Extension ::= SEQUENCE { OID 1.3.6.1.5.5.7.1.31, BOOLEAN TRUE, OCTET STRING { OCTET STRING (32) } }
        let oid: [UInt8] = [0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x1F]
        let expected = oid + [0x01, 0x01, 0xFF, 0x04, 0x22, 0x04, 0x20] + SHA256Digest.hash(Array(keyAuthorization.utf8))
        #expect(Self.contains(der, expected))
        #expect(store.pendingDomains == ["acme.example.test"])
        store.removeChallenge(domain: "acme.example.test")
        #expect(store.pendingDomains.isEmpty)
    }

    @Test func certificateSummaryReadsValidityAndNames() throws {
        let certificates = try TestCertificates(names: ["one.test", "two.test"])
        let pem = try [UInt8](Data(contentsOf: URL(fileURLWithPath: certificates.files.certificatePath)))
        let summary = try CertificateSummary(leafPEM: pem)
        #expect(summary.dnsNames == ["one.test", "two.test"])
        #expect(summary.covers("TWO.test.") && !summary.covers("three.test"))
        let now = Int64(Date().timeIntervalSince1970)
        #expect(summary.notBefore <= now && summary.notAfter > now + 364 * 86_400)
        #expect(summary.serialNumber.count == 32)
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    private func directory() throws -> String {
        let directory = makeTemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    /// SEQUENCE { INTEGER r, INTEGER s } with minimal positive integers (each at most 33 bytes, so short lengths).
    private static func derSignature(r: [UInt8], s: [UInt8]) -> [UInt8] {
        func integer(_ bytes: [UInt8]) -> [UInt8] {
            var trimmed = Array(bytes.drop { $0 == 0 })
            if trimmed.isEmpty { trimmed = [0] }
            if trimmed[0] & 0x80 != 0 { trimmed.insert(0, at: 0) }
            return [0x02, UInt8(trimmed.count)] + trimmed
        }
        let body = integer(r) + integer(s)
        return [0x30, UInt8(body.count)] + body
    }
}
