import Foundation
internal import JWTKit

/// The claim rules, applied once the signature has verified.
extension TokenVerifier {
    /// Checks `exp`, `nbf`, `iss`, `aud` and `sub`, and reads the `ssegate` claim.
    ///
    /// - `exp` is required: streams end at `exp`, and a token that never expires could never be revoked.
    /// - `exp` and `nbf` are compared with the leeway in the token's favour (``checkTimes(expiresAt:notBefore:now:)``).
    /// - `aud` must name the configured audience; with none configured, a token that has an `aud` is refused, as
    ///   RFC 7519 §4.1.3 requires of a recipient that is not named in it.
    /// - `sub` must be present and non-empty: sessions and `{sub}` patterns are bound to it.
    /// - A missing `ssegate` claim grants nothing; a malformed pattern refuses the whole token.
    func grant(of claims: TokenClaims, now: Date) throws(AuthFailure) -> VerifiedToken {
        guard let expiry = claims.exp else { throw .missingExpiry }
        try checkTimes(expiresAt: expiry.value, notBefore: claims.nbf?.value, now: now)
        if let issuer = settings.issuer, claims.iss?.value != issuer {
            throw .wrongIssuer
        }
        switch (settings.audience, claims.aud) {
        case (let audience?, let claimed?):
            do {
                try claimed.verifyIntendedAudience(includes: audience)
            } catch {
                throw .wrongAudience
            }
        case (.some, nil), (nil, .some):
            throw .wrongAudience
        case (nil, nil):
            break
        }
        guard let subject = claims.sub?.value, !subject.isEmpty else { throw .missingSubject }
        let grant = claims.ssegate ?? GatewayGrantClaim()
        let subscribe: [ChannelPattern]
        let publish: [ChannelPattern]
        do {
            subscribe = try (grant.subscribe ?? []).map { text throws(ChannelPatternError) in try ChannelPattern(text) }
            publish = try (grant.publish ?? []).map { text throws(ChannelPatternError) in try ChannelPattern(text) }
        } catch {
            throw .invalidClaims
        }
        return VerifiedToken(
            subject: subject,
            expiresAt: expiry.value,
            subscribe: subscribe,
            publish: publish,
            session: grant.session
        )
    }
}

extension TokenVerifier {
    /// `exp` and `nbf` at `now`, with the leeway in the token's favour, through jwt-kit's own comparisons (`exp`
    /// must be after `now - leeway`, `nbf` before `now + leeway`). Also what a cached token is checked against.
    func checkTimes(expiresAt: Date, notBefore: Date?, now: Date) throws(AuthFailure) {
        let leeway = settings.leeway.timeInterval
        do {
            try ExpirationClaim(value: expiresAt).verifyNotExpired(currentDate: now.addingTimeInterval(-leeway))
        } catch {
            throw .expired
        }
        if let notBefore {
            do {
                try NotBeforeClaim(value: notBefore).verifyNotBefore(currentDate: now.addingTimeInterval(leeway))
            } catch {
                throw .notYetValid
            }
        }
    }
}

extension Duration {
    /// Seconds as Foundation's `TimeInterval`, for date arithmetic.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
