import Foundation
import Testing

@testable import GatewayTLS

@Suite struct DevelopmentCertificateAuthorityTests {
    @Test func createsCAAndLeafThenReusesThem() throws {
        let directory = makeTemporaryDirectory() + "/nested/certs"
        let first = try DevelopmentCertificateAuthority.ensure(directory: directory)
        #expect(first.created)
        #expect(first.caCertificatePath == directory + "/ca.pem")
        #expect(first.keyPath == directory + "/localhost-key.pem")
        for path in [first.caCertificatePath, first.caKeyPath, first.certificatePath, first.keyPath] {
            #expect(FileManager.default.fileExists(atPath: path))
        }
        for keyPath in [first.caKeyPath, first.keyPath] {
            let permissions = try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int
            #expect(permissions == 0o600)
        }

        let leafBefore = try Data(contentsOf: URL(fileURLWithPath: first.certificatePath))
        let second = try DevelopmentCertificateAuthority.ensure(directory: directory)
        #expect(!second.created)
        #expect(try Data(contentsOf: URL(fileURLWithPath: first.certificatePath)) == leafBefore)
    }

    @Test(.enabled(if: opensslAvailable)) func leafVerifiesAgainstCAWithSANs() throws {
        let files = try DevelopmentCertificateAuthority.ensure(directory: makeTemporaryDirectory())
        let verify = try run("/usr/bin/openssl", ["verify", "-CAfile", files.caCertificatePath, files.certificatePath])
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.contains(": OK"))

        let text = try run("/usr/bin/openssl", ["x509", "-noout", "-text", "-in", files.certificatePath]).output
        #expect(text.contains("DNS:localhost"))
        #expect(text.contains("IP Address:127.0.0.1"))
        #expect(text.contains("IP Address:0:0:0:0:0:0:0:1"))
        #expect(text.contains("TLS Web Server Authentication"))
        #expect(text.contains("ASN1 OID: prime256v1"))

        let caText = try run("/usr/bin/openssl", ["x509", "-noout", "-text", "-in", files.caCertificatePath]).output
        #expect(caText.contains("CA:TRUE"))
        #expect(caText.contains("Certificate Sign, CRL Sign"))
        #expect(caText.contains("ssegate development CA "))
    }

    @Test(.enabled(if: opensslAvailable)) func missingLeafIsReissuedWithTheSameCA() throws {
        let directory = makeTemporaryDirectory()
        let first = try DevelopmentCertificateAuthority.ensure(directory: directory)
        let caBefore = try Data(contentsOf: URL(fileURLWithPath: first.caCertificatePath))
        try FileManager.default.removeItem(atPath: first.certificatePath)
        try FileManager.default.removeItem(atPath: first.keyPath)

        let second = try DevelopmentCertificateAuthority.ensure(directory: directory)
        #expect(second.created)
        #expect(try Data(contentsOf: URL(fileURLWithPath: second.caCertificatePath)) == caBefore)
        let verify = try run("/usr/bin/openssl", ["verify", "-CAfile", second.caCertificatePath, second.certificatePath])
        #expect(verify.status == 0, "\(verify.output)")
    }

    @Test func otherNamesGetTheirOwnLeaf() throws {
        let directory = makeTemporaryDirectory()
        _ = try DevelopmentCertificateAuthority.ensure(directory: directory)
        let other = try DevelopmentCertificateAuthority.ensure(directory: directory, names: ["api.test", "10.0.0.1"])
        #expect(other.created)
        #expect(other.certificatePath == directory + "/api.test.pem")
        #expect(DevelopmentCertificateAuthority.subjectAltName(["api.test", "10.0.0.1", "::1"])
            == "DNS:api.test,IP:10.0.0.1,IP:::1")
    }

    @Test func halfAPairIsAnErrorNotAnOverwrite() throws {
        let directory = makeTemporaryDirectory()
        let files = try DevelopmentCertificateAuthority.ensure(directory: directory)
        try FileManager.default.removeItem(atPath: files.keyPath)
        #expect(throws: TLSError.self) { try DevelopmentCertificateAuthority.ensure(directory: directory) }
        #expect(FileManager.default.fileExists(atPath: files.certificatePath))
    }
}

@Suite struct DevelopmentCertificateAuthorityNameTests {
    @Test(arguments: [[], [""], ["../evil"], ["a,b"]] as [[String]])
    func invalidNamesAreRefused(names: [String]) {
        let error = #expect(throws: TLSError.self) {
            try DevelopmentCertificateAuthority.ensure(directory: makeTemporaryDirectory(), names: names)
        }
        #expect(error?.kind == .configuration)
    }
}
