import Foundation
import GatewayAuth
import Testing

/// Tokens minted by `TokenMinter` verify with `TokenVerifier`, for every algorithm, with keys made by openssl.
@Suite struct TokenRoundTripTests {
    @Test(arguments: JWTSigningAlgorithm.allCases)
    func mintedTokenVerifiesWithItsGrant(_ algorithm: JWTSigningAlgorithm) async throws {
        let verifier = try await Fixtures.verifier(JWTSettings(keys: [Fixtures.keyConfiguration(for: algorithm)]))
        let token = try await Fixtures.minter(for: algorithm).mint(Fixtures.grant, now: Fixtures.now)
        let verified = try verifier.verify(token, now: Fixtures.now).get()
        #expect(verified.subject == "alice")
        #expect(verified.expiresAt == Fixtures.now.addingTimeInterval(3600))
        #expect(verified.subscribe.map(\.description) == ["user:{sub}", "news:*"])
        #expect(verified.publish.map(\.description) == ["chat:{sub}"])
        #expect(verified.session == "s-123")
        #expect(verified.maySubscribe(to: "user:alice"))
        #expect(verified.maySubscribe(to: "news:today"))
        #expect(!verified.maySubscribe(to: "user:bob"))
        #expect(verified.mayPublish(to: "chat:alice"))
        #expect(!verified.mayPublish(to: "news:today"))
    }

    @Test(arguments: JWTSigningAlgorithm.allCases)
    func headerNamesAlgorithmTypeAndKeyID(_ algorithm: JWTSigningAlgorithm) async throws {
        let token = try await Fixtures.minter(for: algorithm, keyID: "k1").mint(Fixtures.grant, now: Fixtures.now)
        let header = try JSONSerialization.jsonObject(with: TokenText.decodePart(token, 0)) as? [String: String]
        #expect(header == ["alg": algorithm.rawValue, "typ": "JWT", "kid": "k1"])
    }

    /// A key of the same algorithm that did not sign the token must not verify it.
    @Test(arguments: [
        (JWTSigningAlgorithm.rs256, KeyFixtures.rsaOther),
        (.ps256, KeyFixtures.rsaOther),
        (.es256, KeyFixtures.p256Other),
    ])
    func anotherKeyOfTheSameAlgorithmIsABadSignature(_ algorithm: JWTSigningAlgorithm, _ other: KeyPair) async throws {
        let key = JWTKeyConfiguration(source: .publicKeyFile(path: other.publicPath), algorithm: algorithm)
        let verifier = try await Fixtures.verifier(JWTSettings(keys: [key]))
        let token = try await Fixtures.minter(for: algorithm).mint(Fixtures.grant, now: Fixtures.now)
        #expect(verifier.verify(token, now: Fixtures.now).failure == .badSignature)
    }

    @Test func anotherSecretIsABadSignature() async throws {
        let verifier = try await TokenVerifier(
            settings: JWTSettings(keys: [Fixtures.keyConfiguration(for: .hs256)]),
            environment: ["JWT_SECRET": String(repeating: "x", count: 32)]
        )
        let token = try await Fixtures.minter(for: .hs256).mint(Fixtures.grant, now: Fixtures.now)
        #expect(verifier.verify(token, now: Fixtures.now).failure == .badSignature)
    }

    /// With several keys, the one that signed is found, whichever its position.
    @Test func tokenVerifiesWithTheSecondOfTwoKeys() async throws {
        let settings = JWTSettings(keys: [Fixtures.keyConfiguration(for: .es256), Fixtures.keyConfiguration(for: .hs256)])
        let verifier = try await Fixtures.verifier(settings)
        #expect(verifier.keyCount == 2)
        let token = try await Fixtures.minter(for: .hs256).mint(Fixtures.grant, now: Fixtures.now)
        #expect(verifier.verify(token, now: Fixtures.now).success?.subject == "alice")
    }

    @Test func expiryAndIssuedAtAreWholeSeconds() async throws {
        let now = Fixtures.now.addingTimeInterval(0.75)
        let token = try await Fixtures.minter(for: .hs256).mint(Fixtures.grant, now: now)
        let payload = String(decoding: try TokenText.decodePart(token, 1), as: UTF8.self)
        #expect(payload.contains("\"exp\":1800003600"), "\(payload)")
        #expect(payload.contains("\"iat\":1800000000"), "\(payload)")
    }

    @Test func issuerAndAudienceAreWrittenAndChecked() async throws {
        var grant = Fixtures.grant
        grant.issuer = "https://auth.example"
        grant.audience = "ssegate"
        let settings = JWTSettings(keys: [Fixtures.keyConfiguration(for: .hs256)], issuer: "https://auth.example", audience: "ssegate")
        let token = try await Fixtures.minter(for: .hs256).mint(grant, now: Fixtures.now)
        #expect(try await Fixtures.verifier(settings).verify(token, now: Fixtures.now).success != nil)
    }

    @Test(arguments: [
        (TokenGrant(subject: "", timeToLive: .seconds(60)), "subject"),
        (TokenGrant(subject: "a", timeToLive: .zero), "time to live"),
        (TokenGrant(subject: "a", timeToLive: .seconds(60), subscribe: ["x{y}"]), "{sub}"),
    ])
    func mintingRefusesABadGrant(_ grant: TokenGrant, _ fragment: String) async throws {
        let minter = try await Fixtures.minter(for: .hs256)
        let error = #expect(throws: TokenMintingError.self) { try minter.mint(grant, now: Fixtures.now) }
        #expect(error?.description.contains(fragment) == true, "\(String(describing: error))")
    }

    @Test func minterFromAConfiguredSecret() async throws {
        let minter = try await TokenMinter(key: Fixtures.keyConfiguration(for: .hs384, keyID: "cfg"), environment: Fixtures.environment)
        #expect(minter.algorithm == .hs384)
        #expect(minter.keyID == "cfg")
        let verifier = try await Fixtures.verifier(JWTSettings(keys: [Fixtures.keyConfiguration(for: .hs384, keyID: "cfg")]))
        #expect(verifier.verify(try minter.mint(Fixtures.grant, now: Fixtures.now), now: Fixtures.now).success != nil)
    }

    @Test func minterRefusesAPublicKeyEntry() async throws {
        let error = await #expect(throws: AuthConfigurationError.self) {
            try await TokenMinter(key: Fixtures.keyConfiguration(for: .es256), environment: [:])
        }
        #expect(error?.code == "cannot_sign")
    }
}

/// Reading and rewriting the parts of compact tokens in tests.
enum TokenText {
    static func decodePart(_ token: String, _ index: Int) throws -> Data {
        let part = token.split(separator: ".", omittingEmptySubsequences: false)[index]
        var base64 = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return try #require(Data(base64Encoded: base64))
    }

    static func encodePart(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func replacingPart(_ token: String, _ index: Int, with part: String) -> String {
        var parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        parts[index] = part
        return parts.joined(separator: ".")
    }
}
