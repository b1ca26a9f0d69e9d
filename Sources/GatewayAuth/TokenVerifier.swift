import Foundation
internal import JWTKit

/// Verifies bearer tokens against the configured keys and claim rules, synchronously, on the caller's thread.
///
/// Immutable and `Sendable`: one instance serves every event loop; a configuration reload builds a new one (which
/// reads the secrets, PEM and JWKS files again) and swaps it in.
///
/// Key selection: a key with a `kid` serves only tokens with that `kid`; a key without one serves any token. Of
/// the keys a token selects, only those pinned to the token's `alg` are tried, in configuration order. So a token
/// with an unknown `kid` is `unknown_key`, and one whose `alg` no selected key has is `algorithm_mismatch`.
///
/// Maintainer note: jwt-kit 5 verifies through `JWTKeyCollection`, an actor, so every check would be an `await`
/// and a hop off the event loop. This type uses jwt-kit's synchronous public pieces instead: `DefaultJWTParser`
/// decodes the three parts, the `JWTAlgorithm` built per key at load time checks the signature, and jwt-kit's
/// claim types check `exp`, `nbf` and `aud`. Only building those algorithms needs the actor, once, which is why
/// `init` is `async` and ``verify(_:now:)`` is not.
public struct TokenVerifier: Sendable {
    /// Tokens longer than this are refused before any decoding: real tokens are under 2 KB, and the cap bounds
    /// the JSON work an unauthenticated request can cause.
    public static let maximumTokenBytes = 8192

    /// The settings the verifier was built from (issuer, audience, leeway, cookie name, expiry warning).
    public let settings: JWTSettings
    let keys: [VerificationKey]
    let parser: DefaultJWTParser
    /// Tokens verified before, re-checked only against the clock; shared by the copies of this verifier.
    let cache = VerifiedTokenCache()

    /// Reads every configured key. Throws a specific ``AuthConfigurationError`` for an unset or empty variable,
    /// a short secret, an unreadable file, a bad PEM or JWKS, or a key whose type does not fit its algorithm.
    public init(settings: JWTSettings, environment: [String: String]) async throws(AuthConfigurationError) {
        guard !settings.keys.isEmpty else { throw AuthConfigurationError(.noKeys) }
        var keys: [VerificationKey] = []
        for configuration in settings.keys {
            keys += try await VerificationKey.load(configuration, environment: environment)
        }
        self.settings = settings
        self.keys = keys
        self.parser = DefaultJWTParser()
    }

    /// Verifies `token` at time `now`: its structure, `alg`, key, signature, then its claims.
    public func verify(_ token: String, now: Date) -> Result<VerifiedToken, AuthFailure> {
        Result { () throws(AuthFailure) -> VerifiedToken in
            if let cached = cache.entry(for: token) {
                try checkTimes(expiresAt: cached.token.expiresAt, notBefore: cached.notBefore, now: now)
                return cached.token
            }
            let entry = try verifiedToken(token, now: now)
            cache.remember(entry, for: token)
            return entry.token
        }
    }

    /// The number of keys read (a JWKS file counts each signing key), for the start-up log.
    public var keyCount: Int { keys.count }

    /// Where requests carry their tokens under these settings (the cookie name comes from them).
    public var tokenSource: TokenSource { TokenSource(cookieName: settings.cookieName) }

    private func verifiedToken(_ token: String, now: Date) throws(AuthFailure) -> VerifiedTokenCache.Entry {
        guard !token.isEmpty else { throw .missingToken }
        let bytes = Array(token.utf8)
        guard bytes.count <= Self.maximumTokenBytes, let signingInputEnd = Self.signingInputEnd(of: bytes) else {
            throw .malformed
        }
        let parsed: (header: JWTHeader, payload: TokenClaims, signature: Data)
        do {
            parsed = try parser.parse(bytes, as: TokenClaims.self)
        } catch {
            throw .malformed
        }
        // RFC 7515 §4.1.11: a recipient must refuse a token whose `crit` extensions it does not understand, and
        // this gateway understands none.
        guard parsed.header.fields["crit"] == nil else { throw .malformed }
        guard let name = parsed.header.alg, let algorithm = JWTSigningAlgorithm(rawValue: name) else {
            throw .unsupportedAlgorithm
        }
        let keyID = parsed.header.kid
        let selected = keys.filter { $0.keyID == nil || $0.keyID == keyID }
        guard !selected.isEmpty else { throw .unknownKey }
        let candidates = selected.filter { $0.algorithm == algorithm }
        guard !candidates.isEmpty else { throw .algorithmMismatch }
        let signingInput = bytes[..<signingInputEnd]
        let verified = candidates.contains { key in
            (try? key.signer.verify(parsed.signature, signs: signingInput)) == true
        }
        guard verified else { throw .badSignature }
        return VerifiedTokenCache.Entry(token: try grant(of: parsed.payload, now: now), notBefore: parsed.payload.nbf?.value)
    }

    /// The index of the second `.`: the signature covers everything before it (RFC 7515 §5.2). Nil unless the
    /// token has exactly three parts.
    private static func signingInputEnd(of bytes: [UInt8]) -> Int? {
        let period = UInt8(ascii: ".")
        guard let first = bytes.firstIndex(of: period),
            let second = bytes[(first + 1)...].firstIndex(of: period),
            !bytes[(second + 1)...].contains(period)
        else { return nil }
        return second
    }
}
