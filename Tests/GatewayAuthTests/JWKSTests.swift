import Foundation
import GatewayAuth
import JWTKit
import Testing

/// Keys from a JWKS file: `kid` selects the key, and each key's `alg` (or `kty`/`crv`) fixes its algorithm.
@Suite struct JWKSTests {
    static func base64URL(_ text: String) -> String {
        text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func ecJWK(_ pair: KeyPair, kid: String, alg: String?, crv: String = "P-256") throws -> [String: String] {
        let parameters = try #require(try ES256PublicKey(pem: pair.publicPEM).parameters)
        var jwk = ["kty": "EC", "crv": crv, "kid": kid, "x": base64URL(parameters.x), "y": base64URL(parameters.y)]
        jwk["alg"] = alg
        return jwk
    }

    static func rsaJWK(_ pair: KeyPair, kid: String, alg: String?, use: String? = nil) throws -> [String: String] {
        let primitives = try Insecure.RSA.PublicKey(pem: pair.publicPEM).getKeyPrimitives()
        var jwk = ["kty": "RSA", "kid": kid, "n": TokenText.encodePart(primitives.modulus), "e": TokenText.encodePart(primitives.publicExponent)]
        jwk["alg"] = alg
        jwk["use"] = use
        return jwk
    }

    static func edJWK(_ pair: KeyPair, kid: String) throws -> [String: String] {
        let raw = try EdDSA.PublicKey(pem: pair.publicPEM).rawRepresentation
        return ["kty": "OKP", "crv": "Ed25519", "kid": kid, "x": TokenText.encodePart(raw)]
    }

    static func jwksFile(_ keys: [[String: String]]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: ["keys": keys])
        return KeyFixtures.write(String(decoding: data, as: UTF8.self), named: "jwks.json")
    }

    /// Two signing keys of different types, an encryption key to skip, and an Ed25519 key without `alg`.
    static func standardVerifier() async throws -> TokenVerifier {
        let path = try jwksFile([
            try ecJWK(KeyFixtures.p256, kid: "ec-1", alg: "ES256"),
            try rsaJWK(KeyFixtures.rsa, kid: "rsa-1", alg: "RS256"),
            try rsaJWK(KeyFixtures.rsaOther, kid: "enc-1", alg: "RSA-OAEP", use: "enc"),
            try edJWK(KeyFixtures.ed25519, kid: "ed-1"),
        ])
        return try await Fixtures.verifier(JWTSettings(keys: [JWTKeyConfiguration(source: .jwksFile(path: path), algorithm: nil)]))
    }

    static func token(_ algorithm: JWTSigningAlgorithm, kid: String?, pair: KeyPair? = nil) async throws -> String {
        let pem = (pair ?? KeyFixtures.pair(for: algorithm)).privatePEM
        return try await TokenMinter(algorithm: algorithm, privateKeyPEM: pem, keyID: kid).mint(Fixtures.grant, now: Fixtures.now)
    }

    @Test func kidSelectsEachKey() async throws {
        let verifier = try await Self.standardVerifier()
        #expect(verifier.keyCount == 3)
        for (algorithm, kid) in [(JWTSigningAlgorithm.es256, "ec-1"), (.rs256, "rsa-1"), (.edDSA, "ed-1")] {
            let token = try await Self.token(algorithm, kid: kid)
            #expect(verifier.verify(token, now: Fixtures.now).success?.subject == "alice", "\(algorithm)")
        }
    }

    @Test func unknownOrMissingKidIsAnUnknownKey() async throws {
        let verifier = try await Self.standardVerifier()
        #expect(verifier.verify(try await Self.token(.es256, kid: "nope"), now: Fixtures.now).failure == .unknownKey)
        #expect(verifier.verify(try await Self.token(.es256, kid: nil), now: Fixtures.now).failure == .unknownKey)
        // The encryption key was skipped, so its kid selects nothing.
        #expect(verifier.verify(try await Self.token(.rs256, kid: "enc-1", pair: KeyFixtures.rsaOther), now: Fixtures.now).failure == .unknownKey)
    }

    @Test func kidOfAKeyWithAnotherAlgorithmIsAMismatch() async throws {
        let verifier = try await Self.standardVerifier()
        #expect(verifier.verify(try await Self.token(.es256, kid: "rsa-1"), now: Fixtures.now).failure == .algorithmMismatch)
        #expect(verifier.verify(try await Self.token(.ps256, kid: "rsa-1"), now: Fixtures.now).failure == .algorithmMismatch)
    }

    @Test func kidOfTheRightTypeSignedByAnotherKeyIsABadSignature() async throws {
        let verifier = try await Self.standardVerifier()
        let token = try await Self.token(.es256, kid: "ec-1", pair: KeyFixtures.p256Other)
        #expect(verifier.verify(token, now: Fixtures.now).failure == .badSignature)
    }

    @Test func rsaKeyWithoutAlgTakesTheConfiguredAlgorithm() async throws {
        let path = try Self.jwksFile([try Self.rsaJWK(KeyFixtures.rsa, kid: "r", alg: nil)])
        let error = await #expect(throws: AuthConfigurationError.self) {
            try await Fixtures.verifier(JWTSettings(keys: [JWTKeyConfiguration(source: .jwksFile(path: path), algorithm: nil)]))
        }
        #expect(error?.code == "bad_jwks")
        let verifier = try await Fixtures.verifier(JWTSettings(keys: [JWTKeyConfiguration(source: .jwksFile(path: path), algorithm: .ps256)]))
        #expect(verifier.verify(try await Self.token(.ps256, kid: "r"), now: Fixtures.now).success != nil)
        #expect(verifier.verify(try await Self.token(.rs256, kid: "r"), now: Fixtures.now).failure == .algorithmMismatch)
    }

    @Test func configuredAlgorithmMustAgreeWithTheKeys() async throws {
        let path = try Self.jwksFile([try Self.rsaJWK(KeyFixtures.rsa, kid: "r", alg: "RS256")])
        let error = await #expect(throws: AuthConfigurationError.self) {
            try await Fixtures.verifier(JWTSettings(keys: [JWTKeyConfiguration(source: .jwksFile(path: path), algorithm: .ps256)]))
        }
        #expect(error?.code == "bad_jwks")
        #expect(error?.description.contains("key 'r'") == true)
    }

    @Test(arguments: [
        ("EC point not on the curve", [["kty": "EC", "crv": "P-256", "kid": "k", "x": "AA", "y": "AA", "alg": "ES256"]], "bad_jwks"),
        ("unsupported alg", [["kty": "RSA", "kid": "k", "n": "AQAB", "e": "AQAB", "alg": "RS512"]], "unsupported_algorithm"),
        ("symmetric key", [["kty": "oct", "kid": "k", "k": "c2VjcmV0"]], "bad_jwks"),
        ("only encryption keys", [["kty": "RSA", "kid": "k", "n": "AQAB", "e": "AQAB", "use": "enc"]], "bad_jwks"),
        ("RSA n too short to be a key", [["kty": "RSA", "kid": "k", "n": "AQAB", "e": "AQAB", "alg": "RS256"]], "bad_jwks"),
    ])
    func badKeys(_ name: String, _ keys: [[String: String]], _ code: String) async throws {
        let path = try Self.jwksFile(keys)
        let error = await #expect(throws: AuthConfigurationError.self) {
            try await Fixtures.verifier(JWTSettings(keys: [JWTKeyConfiguration(source: .jwksFile(path: path), algorithm: nil)]))
        }
        #expect(error?.code == code, "\(name): \(String(describing: error))")
    }

    /// A real 1024-bit key: its modulus read by openssl, since jwt-kit will not load it.
    @Test func rsaKeyUnder2048BitsIsRefused() async throws {
        let modulusHex = try KeyFixtures.opensslOutput(["rsa", "-pubin", "-in", KeyFixtures.rsaSmall.publicPath, "-modulus", "-noout"])
            .replacingOccurrences(of: "Modulus=", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
        var modulus = Data()
        var index = modulusHex.startIndex
        while index < modulusHex.endIndex {
            let next = modulusHex.index(index, offsetBy: 2)
            modulus.append(try #require(UInt8(modulusHex[index..<next], radix: 16)))
            index = next
        }
        #expect(modulus.count == 128)
        let path = try Self.jwksFile([["kty": "RSA", "kid": "small", "alg": "RS256", "n": TokenText.encodePart(modulus), "e": "AQAB"]])
        let error = await #expect(throws: AuthConfigurationError.self) {
            try await Fixtures.verifier(JWTSettings(keys: [JWTKeyConfiguration(source: .jwksFile(path: path), algorithm: nil)]))
        }
        #expect(error?.code == "rsa_key_too_small")
        #expect(error?.description.contains("key 'small'") == true)
    }

    @Test func ecKeyWithAlgOfTheOtherCurveIsAMismatch() async throws {
        let path = try Self.jwksFile([try Self.ecJWK(KeyFixtures.p256, kid: "k", alg: "ES384")])
        let error = await #expect(throws: AuthConfigurationError.self) {
            try await Fixtures.verifier(JWTSettings(keys: [JWTKeyConfiguration(source: .jwksFile(path: path), algorithm: nil)]))
        }
        #expect(error?.code == "key_type_mismatch")
    }
}
