import Foundation
import GatewayAuth
import JWTKit
import Testing

/// The attacks a JWT verifier must refuse: `none`, algorithm confusion, tampering, malformed input.
@Suite struct AlgorithmSafetyTests {
    static let claimsJSON = #"{"sub":"mallory","exp":1900000000,"ssegate":{"subscribe":["*"]}}"#

    static func unsecuredToken(alg: String) -> String {
        TokenText.encodePart(Data(#"{"alg":"\#(alg)","typ":"JWT"}"#.utf8)) + "." + TokenText.encodePart(Data(claimsJSON.utf8)) + "."
    }

    @Test(arguments: ["none", "None", "NONE", "nOnE"])
    func unsecuredTokenIsRefused(_ alg: String) async throws {
        let verifier = try await Fixtures.verifier(JWTSettings(keys: [Fixtures.keyConfiguration(for: .hs256)]))
        #expect(verifier.verify(Self.unsecuredToken(alg: alg), now: Fixtures.now).failure == .unsupportedAlgorithm)
    }

    @Test func tokenWithoutAlgIsRefused() async throws {
        let verifier = try await Fixtures.verifier(JWTSettings(keys: [Fixtures.keyConfiguration(for: .hs256)]))
        let token = TokenText.encodePart(Data(#"{"typ":"JWT"}"#.utf8)) + "." + TokenText.encodePart(Data(Self.claimsJSON.utf8)) + ".c2ln"
        #expect(verifier.verify(token, now: Fixtures.now).failure == .unsupportedAlgorithm)
    }

    /// The classic confusion: the RSA public key is public, so an attacker uses its PEM text as an HMAC secret.
    @Test(arguments: [JWTSigningAlgorithm.hs256, .hs384, .hs512])
    func hmacTokenKeyedWithThePublicPEMIsRefused(_ forged: JWTSigningAlgorithm) async throws {
        let verifier = try await Fixtures.verifier(JWTSettings(keys: [Fixtures.keyConfiguration(for: .rs256)]))
        let attacker = try await TokenMinter(algorithm: forged, secret: KeyFixtures.rsa.publicPEM)
        let token = try attacker.mint(Fixtures.grant, now: Fixtures.now)
        #expect(verifier.verify(token, now: Fixtures.now).failure == .algorithmMismatch)
    }

    /// The same confusion aimed at a key named by `kid`.
    @Test func hmacTokenNamingAnRSAKeyIDIsRefused() async throws {
        let verifier = try await Fixtures.verifier(JWTSettings(keys: [Fixtures.keyConfiguration(for: .rs256, keyID: "rsa")]))
        let attacker = try await TokenMinter(algorithm: .hs256, secret: KeyFixtures.rsa.publicPEM, keyID: "rsa")
        #expect(verifier.verify(try attacker.mint(Fixtures.grant, now: Fixtures.now), now: Fixtures.now).failure == .algorithmMismatch)
    }

    /// A key is pinned to one HMAC hash too: the same secret configured for HS512 does not accept HS256.
    @Test func sameSecretUnderAnotherHashIsRefused() async throws {
        let verifier = try await Fixtures.verifier(JWTSettings(keys: [Fixtures.keyConfiguration(for: .hs512)]))
        let token = try await Fixtures.minter(for: .hs256).mint(Fixtures.grant, now: Fixtures.now)
        #expect(verifier.verify(token, now: Fixtures.now).failure == .algorithmMismatch)
    }

    /// RS256 and PS256 share a key type; the key's configured padding is the only one accepted.
    @Test func pssTokenForAPKCS1KeyIsRefused() async throws {
        let verifier = try await Fixtures.verifier(JWTSettings(keys: [Fixtures.keyConfiguration(for: .rs256)]))
        let token = try await Fixtures.minter(for: .ps256).mint(Fixtures.grant, now: Fixtures.now)
        #expect(verifier.verify(token, now: Fixtures.now).failure == .algorithmMismatch)
    }

    @Test(arguments: [JWTSigningAlgorithm.hs256, .es256, .edDSA])
    func tamperedPayloadIsABadSignature(_ algorithm: JWTSigningAlgorithm) async throws {
        let verifier = try await Fixtures.verifier(JWTSettings(keys: [Fixtures.keyConfiguration(for: algorithm)]))
        let token = try await Fixtures.minter(for: algorithm).mint(Fixtures.grant, now: Fixtures.now)
        let payload = String(decoding: try TokenText.decodePart(token, 1), as: UTF8.self)
        let widened = payload.replacingOccurrences(of: "user:{sub}", with: "*")
        #expect(widened != payload)
        let tampered = TokenText.replacingPart(token, 1, with: TokenText.encodePart(Data(widened.utf8)))
        #expect(verifier.verify(tampered, now: Fixtures.now).failure == .badSignature)
    }

    @Test func tamperedSignatureIsABadSignature() async throws {
        let verifier = try await Fixtures.verifier(JWTSettings(keys: [Fixtures.keyConfiguration(for: .hs256)]))
        let token = try await Fixtures.minter(for: .hs256).mint(Fixtures.grant, now: Fixtures.now)
        var signature = try TokenText.decodePart(token, 2)
        signature[0] ^= 0x01
        let tampered = TokenText.replacingPart(token, 2, with: TokenText.encodePart(signature))
        #expect(verifier.verify(tampered, now: Fixtures.now).failure == .badSignature)
        let stripped = TokenText.replacingPart(token, 2, with: "")
        #expect(verifier.verify(stripped, now: Fixtures.now).failure == .badSignature)
    }

    @Test(arguments: [
        ("", AuthFailure.missingToken),
        ("abc", .malformed),
        ("a.b", .malformed),
        ("a.b.c.d", .malformed),
        ("!!!.???.###", .malformed),
        ("e30.e30.", .unsupportedAlgorithm),
        (String(repeating: "a", count: TokenVerifier.maximumTokenBytes) + ".e30.", .malformed),
    ])
    func malformedTokens(_ token: String, _ failure: AuthFailure) async throws {
        let verifier = try await Fixtures.verifier(JWTSettings(keys: [Fixtures.keyConfiguration(for: .hs256)]))
        #expect(verifier.verify(token, now: Fixtures.now).failure == failure)
    }

    /// RFC 7515 §4.1.11: unknown critical extensions must be refused, even on a good signature.
    @Test func criticalHeaderIsRefused() async throws {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: KeyFixtures.secret), digestAlgorithm: .sha256)
        var header = JWTHeader()
        header.crit = ["urn:example:must-understand"]
        let claims = RawClaims(sub: "alice", exp: ExpirationClaim(value: Fixtures.now.addingTimeInterval(60)))
        let token = try await keys.sign(claims, header: header)
        let verifier = try await Fixtures.verifier(JWTSettings(keys: [Fixtures.keyConfiguration(for: .hs256)]))
        #expect(verifier.verify(token, now: Fixtures.now).failure == .malformed)
        let plain = try await keys.sign(claims)
        #expect(verifier.verify(plain, now: Fixtures.now).success != nil)
    }
}
