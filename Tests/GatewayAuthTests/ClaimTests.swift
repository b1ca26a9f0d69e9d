import Foundation
import GatewayAuth
import JWTKit
import Testing

/// Any payload, signed by jwt-kit's own serializer: tokens the minter would never make (no `exp`, odd `aud`).
struct RawClaims: JWTPayload, Sendable {
    var sub: SubjectClaim?
    var exp: ExpirationClaim?
    var nbf: NotBeforeClaim?
    var iss: IssuerClaim?
    var aud: AudienceClaim?
    var ssegate: RawGrant?

    func verify(using algorithm: some JWTAlgorithm) throws {}
}

struct RawGrant: Codable, Sendable {
    var subscribe: [String]?
    var publish: [String]?
    var session: String?
}

/// `exp`, `nbf`, `iss`, `aud`, `sub` and the `ssegate` claim, with and without leeway.
@Suite struct ClaimTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var claims: RawClaims
        var issuer: String? = nil
        var audience: String? = nil
        var leeway: Duration = .zero
        /// nil: the token is accepted.
        var failure: AuthFailure?
        var testDescription: String { name }
    }

    static let now = Fixtures.now

    static func claims(
        sub: String? = "alice",
        exp: TimeInterval? = 60,
        nbf: TimeInterval? = nil,
        iss: String? = nil,
        aud: [String]? = nil,
        ssegate: RawGrant? = nil
    ) -> RawClaims {
        RawClaims(
            sub: sub.map { SubjectClaim(value: $0) },
            exp: exp.map { ExpirationClaim(value: now.addingTimeInterval($0)) },
            nbf: nbf.map { NotBeforeClaim(value: now.addingTimeInterval($0)) },
            iss: iss.map { IssuerClaim(value: $0) },
            aud: aud.map { AudienceClaim(value: $0) },
            ssegate: ssegate
        )
    }

    static let cases: [Case] = [
        Case(name: "valid", claims: claims()),
        Case(name: "no exp", claims: claims(exp: nil), failure: .missingExpiry),
        Case(name: "exp 10 s ago, leeway 30 s", claims: claims(exp: -10), leeway: .seconds(30)),
        Case(name: "exp 10 s ago, no leeway", claims: claims(exp: -10), failure: .expired),
        Case(name: "exp now, no leeway", claims: claims(exp: 0), failure: .expired),
        Case(name: "exp 31 s ago, leeway 30 s", claims: claims(exp: -31), leeway: .seconds(30), failure: .expired),
        Case(name: "nbf 10 s ahead, leeway 30 s", claims: claims(nbf: 10), leeway: .seconds(30)),
        Case(name: "nbf 10 s ahead, no leeway", claims: claims(nbf: 10), failure: .notYetValid),
        Case(name: "nbf 31 s ahead, leeway 30 s", claims: claims(nbf: 31), leeway: .seconds(30), failure: .notYetValid),
        Case(name: "nbf past", claims: claims(nbf: -10)),
        Case(name: "issuer matches", claims: claims(iss: "https://auth.example"), issuer: "https://auth.example"),
        Case(name: "issuer differs", claims: claims(iss: "https://evil.example"), issuer: "https://auth.example", failure: .wrongIssuer),
        Case(name: "issuer missing", claims: claims(), issuer: "https://auth.example", failure: .wrongIssuer),
        Case(name: "any issuer when none configured", claims: claims(iss: "https://any.example")),
        Case(name: "audience string", claims: claims(aud: ["ssegate"]), audience: "ssegate"),
        Case(name: "audience array", claims: claims(aud: ["other", "ssegate"]), audience: "ssegate"),
        Case(name: "audience array without us", claims: claims(aud: ["other", "third"]), audience: "ssegate", failure: .wrongAudience),
        Case(name: "audience missing", claims: claims(), audience: "ssegate", failure: .wrongAudience),
        Case(name: "aud present, none configured", claims: claims(aud: ["other"]), failure: .wrongAudience),
        Case(name: "no sub", claims: claims(sub: nil), failure: .missingSubject),
        Case(name: "empty sub", claims: claims(sub: ""), failure: .missingSubject),
        Case(name: "bad pattern", claims: claims(ssegate: RawGrant(subscribe: ["a{b}"])), failure: .invalidClaims),
        Case(name: "bad publish pattern", claims: claims(ssegate: RawGrant(publish: ["}"])), failure: .invalidClaims),
    ]

    @Test(arguments: cases)
    func claimRules(_ test: Case) async throws {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: KeyFixtures.secret), digestAlgorithm: .sha256)
        let token = try await keys.sign(test.claims)
        let settings = JWTSettings(
            keys: [Fixtures.keyConfiguration(for: .hs256)],
            issuer: test.issuer,
            audience: test.audience,
            leeway: test.leeway
        )
        let result = try await Fixtures.verifier(settings).verify(token, now: Self.now)
        #expect(result.failure == test.failure)
        if test.failure == nil {
            #expect(result.success?.subject == "alice")
        }
    }

    @Test func missingGrantGrantsNothing() async throws {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: KeyFixtures.secret), digestAlgorithm: .sha256)
        let token = try await keys.sign(Self.claims())
        let verified = try await Fixtures.verifier(JWTSettings(keys: [Fixtures.keyConfiguration(for: .hs256)]))
            .verify(token, now: Self.now).get()
        #expect(verified.subscribe.isEmpty && verified.publish.isEmpty && verified.session == nil)
        #expect(!verified.maySubscribe(to: "anything"))
        #expect(verified.expiresAt == Self.now.addingTimeInterval(60))
    }
}
