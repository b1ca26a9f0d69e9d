import Foundation
internal import JWTKit

/// The claim rules, applied once the signature has verified.
extension TokenVerifier {
    /// Checks `exp`, `nbf`, `iss`, `aud` and `sub`, and reads the `ssegate` claim.
    ///
    /// - `exp` is required: streams end at `exp`, and a token that never expires could never be revoked.
    /// - `exp` and `nbf` are compared with the leeway in the token's favour, using jwt-kit's checks (`exp` must
    ///   be after `now - leeway`, `nbf` before `now + leeway`).
    /// - `aud` must name the configured audience; with none configured, a token that has an `aud` is refused, as
    ///   RFC 7519 §4.1.3 requires of a recipient that is not named in it.
    /// - `sub` must be present and non-empty: sessions and `{sub}` patterns are bound to it.
    /// - A missing `ssegate` claim grants nothing; a malformed pattern refuses the whole token.
    func grant(of claims: TokenClaims, now: Date) throws(AuthFailure) -> VerifiedToken {
        let leeway = settings.leeway.timeInterval
        guard let expiry = claims.exp else { throw .missingExpiry }
        do {
            try expiry.verifyNotExpired(currentDate: now.addingTimeInterval(-leeway))
        } catch {
            throw .expired
        }
        if let notBefore = claims.nbf {
            do {
                try notBefore.verifyNotBefore(currentDate: now.addingTimeInterval(leeway))
            } catch {
                throw .notYetValid
            }
        }
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

extension Duration {
    /// Seconds as Foundation's `TimeInterval`, for date arithmetic.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
