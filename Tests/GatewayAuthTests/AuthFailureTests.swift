import GatewayAuth
import Testing

@Suite struct AuthFailureTests {
    static let all: [AuthFailure] = [
        .missingToken, .malformed, .unsupportedAlgorithm, .unknownKey, .algorithmMismatch, .badSignature, .missingExpiry,
        .expired, .notYetValid, .wrongIssuer, .wrongAudience, .missingSubject, .invalidClaims,
    ]

    @Test func codesAreStableSnakeCase() {
        #expect(Self.all.map(\.code) == [
            "missing_token", "malformed", "unsupported_algorithm", "unknown_key", "algorithm_mismatch", "bad_signature",
            "missing_expiry", "expired", "not_yet_valid", "wrong_issuer", "wrong_audience", "missing_subject", "invalid_claims",
        ])
        #expect(Self.all.allSatisfy { $0.status == 401 })
    }

    /// RFC 6750 §3: a request without a token gets the bare challenge; others name `invalid_token`, with a
    /// description that is a valid quoted-string (no `"` or `\`).
    @Test func challenges() {
        #expect(AuthFailure.missingToken.wwwAuthenticate == "Bearer")
        #expect(AuthFailure.expired.wwwAuthenticate == #"Bearer error="invalid_token", error_description="the token has expired""#)
        for failure in Self.all where failure != .missingToken {
            #expect(failure.wwwAuthenticate.hasPrefix(#"Bearer error="invalid_token", error_description=""#))
            #expect(!failure.description.contains("\"") && !failure.description.contains("\\"))
            #expect(failure.description.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F })
        }
    }

    @Test func failuresCompareByReason() {
        #expect(AuthFailure.expired == .expired)
        #expect(AuthFailure.expired != .notYetValid)
    }
}
