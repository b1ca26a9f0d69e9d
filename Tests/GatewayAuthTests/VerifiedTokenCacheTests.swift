import Foundation
@testable import GatewayAuth
import JWTKit
import Testing

/// A token presented again is answered from the verifier's cache, but only for what does not depend on the
/// clock: `exp` and `nbf` are checked again, so a cached token ends exactly when an uncached one would.
@Suite struct VerifiedTokenCacheTests {
    static let now = Fixtures.now

    static func signed(_ claims: RawClaims) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: KeyFixtures.secret), digestAlgorithm: .sha256)
        return try await keys.sign(claims)
    }

    static func hs256(leeway: Duration = .zero) async throws -> TokenVerifier {
        try await Fixtures.verifier(JWTSettings(keys: [Fixtures.keyConfiguration(for: .hs256)], leeway: leeway))
    }

    @Test func aSecondVerificationIsAnsweredFromTheCacheWithTheSameGrant() async throws {
        let verifier = try await Self.hs256()
        let token = try await Fixtures.minter(for: .hs256).mint(Fixtures.grant, now: Self.now)
        let first = try verifier.verify(token, now: Self.now).get()
        #expect(verifier.cache.count == 1)
        let second = try verifier.verify(token, now: Self.now.addingTimeInterval(5)).get()
        #expect(second == first)
        #expect(verifier.cache.count == 1)
    }

    @Test func aCachedTokenExpiresAtItsExpWithTheLeeway() async throws {
        let verifier = try await Self.hs256(leeway: .seconds(30))
        let token = try await Fixtures.minter(for: .hs256).mint(Fixtures.grant, now: Self.now)  // exp: now + 3600
        #expect(verifier.verify(token, now: Self.now).success != nil)
        #expect(verifier.verify(token, now: Self.now.addingTimeInterval(3629)).success != nil)
        #expect(verifier.verify(token, now: Self.now.addingTimeInterval(3630)).failure == .expired)
        #expect(verifier.verify(token, now: Self.now.addingTimeInterval(7200)).failure == .expired)
    }

    @Test func aTokenNotYetValidIsNotCachedAndVerifiesOnceItIs() async throws {
        let verifier = try await Self.hs256()
        let token = try await Self.signed(ClaimTests.claims(exp: 600, nbf: 10))
        #expect(verifier.verify(token, now: Self.now).failure == .notYetValid)
        #expect(verifier.cache.count == 0)
        #expect(verifier.verify(token, now: Self.now.addingTimeInterval(11)).success?.subject == "alice")
        #expect(verifier.cache.count == 1)
        // A clock that steps back before `nbf` refuses the cached token as the first verification would.
        #expect(verifier.verify(token, now: Self.now).failure == .notYetValid)
    }

    @Test func refusedTokensAreNeverCached() async throws {
        let verifier = try await Self.hs256()
        let good = try await Fixtures.minter(for: .hs256).mint(Fixtures.grant, now: Self.now)
        let forged = String(good.dropLast(2)) + (good.hasSuffix("AA") ? "BB" : "AA")
        #expect(verifier.verify(forged, now: Self.now).success == nil)
        #expect(verifier.verify(forged, now: Self.now).success == nil)
        #expect(verifier.cache.count == 0)
    }

    /// A reload builds a new verifier: what the old one cached (under keys that may be gone) does not carry over.
    @Test func aNewVerifierStartsWithAnEmptyCache() async throws {
        let token = try await Fixtures.minter(for: .hs256).mint(Fixtures.grant, now: Self.now)
        let old = try await Self.hs256()
        #expect(old.verify(token, now: Self.now).success != nil)
        let rotated = try await TokenVerifier(
            settings: JWTSettings(keys: [Fixtures.keyConfiguration(for: .hs256)]),
            environment: ["JWT_SECRET": String(repeating: "r", count: 32)]
        )
        #expect(rotated.verify(token, now: Self.now).failure == .badSignature)
    }

    @Test func theCacheIsBoundedInTwoGenerationsAndKeepsWhatIsInUse() {
        let cache = VerifiedTokenCache()
        let capacity = VerifiedTokenCache.generationCapacity
        let entry = VerifiedTokenCache.Entry(
            token: VerifiedToken(subject: "s", expiresAt: Self.now, subscribe: [], publish: [], session: nil), notBefore: nil)
        cache.remember(entry, for: "in-use")
        for index in 0..<(capacity * 3) {
            cache.remember(entry, for: "burst-\(index)")
            // The token in use is presented now and then; each hit keeps it in the current generation.
            if index % (capacity / 2) == 0 { #expect(cache.entry(for: "in-use") != nil) }
        }
        #expect(cache.count <= 2 * capacity)
        #expect(cache.entry(for: "in-use") != nil)
        #expect(cache.entry(for: "burst-0") == nil)
        cache.remember(entry, for: String(repeating: "x", count: VerifiedTokenCache.maximumCachedTokenBytes + 1))
        #expect(cache.entry(for: String(repeating: "x", count: VerifiedTokenCache.maximumCachedTokenBytes + 1)) == nil)
    }
}
