/// Why a request's token was refused: a 401 answer.
///
/// The caller logs ``code`` and answers with ``wwwAuthenticate``. Nothing here ever holds the token or any claim
/// value from it, so a failure can be logged or sent back as is. A struct over a private enum, so reasons can be
/// added without breaking a caller's `switch`; compare with the static values (`failure == .expired`).
public struct AuthFailure: Error, Sendable, Hashable, CustomStringConvertible {
    enum Reason: String, Sendable, Hashable, CaseIterable {
        case missingToken = "missing_token"
        case malformed
        case unsupportedAlgorithm = "unsupported_algorithm"
        case unknownKey = "unknown_key"
        case algorithmMismatch = "algorithm_mismatch"
        case badSignature = "bad_signature"
        case missingExpiry = "missing_expiry"
        case expired
        case notYetValid = "not_yet_valid"
        case wrongIssuer = "wrong_issuer"
        case wrongAudience = "wrong_audience"
        case missingSubject = "missing_subject"
        case invalidClaims = "invalid_claims"
    }

    let reason: Reason

    init(_ reason: Reason) {
        self.reason = reason
    }

    /// No token in the header, the cookie or the query.
    public static let missingToken = AuthFailure(.missingToken)
    /// Not three base64url JSON parts, too long, or a `crit` header this gateway cannot honour (RFC 7515 §4.1.11).
    public static let malformed = AuthFailure(.malformed)
    /// `alg` is `none` or an algorithm no key here can have.
    public static let unsupportedAlgorithm = AuthFailure(.unsupportedAlgorithm)
    /// No configured key has the token's `kid`.
    public static let unknownKey = AuthFailure(.unknownKey)
    /// The key the token selects is pinned to another algorithm than the token's `alg`.
    public static let algorithmMismatch = AuthFailure(.algorithmMismatch)
    /// The signature does not verify with any key the token selects.
    public static let badSignature = AuthFailure(.badSignature)
    /// The token has no `exp`: every token must end, since streams end at `exp`.
    public static let missingExpiry = AuthFailure(.missingExpiry)
    /// `exp` is past, beyond the leeway.
    public static let expired = AuthFailure(.expired)
    /// `nbf` is still ahead, beyond the leeway.
    public static let notYetValid = AuthFailure(.notYetValid)
    /// `iss` is not the configured issuer.
    public static let wrongIssuer = AuthFailure(.wrongIssuer)
    /// `aud` does not name this gateway's audience (or names one when none is configured).
    public static let wrongAudience = AuthFailure(.wrongAudience)
    /// The token has no non-empty `sub`: streams and sessions are bound to it.
    public static let missingSubject = AuthFailure(.missingSubject)
    /// A channel pattern in the `ssegate` claim cannot be parsed.
    public static let invalidClaims = AuthFailure(.invalidClaims)

    /// A stable snake_case name for logs, metrics and the JSON error body.
    public var code: String { reason.rawValue }

    /// The answer's HTTP status: every verification failure is "not authenticated" (RFC 6750 §3.1).
    public var status: Int { 401 }

    /// A short sentence for the JSON error body and `error_description`.
    public var description: String {
        switch reason {
        case .missingToken: "no bearer token in the authorization header, cookie or access_token parameter"
        case .malformed: "the token is not a well-formed JWT"
        case .unsupportedAlgorithm: "the token's algorithm is not accepted"
        case .unknownKey: "the token's key id is not known"
        case .algorithmMismatch: "the token's algorithm does not match its key"
        case .badSignature: "the token's signature does not verify"
        case .missingExpiry: "the token has no expiry (exp)"
        case .expired: "the token has expired"
        case .notYetValid: "the token is not valid yet (nbf)"
        case .wrongIssuer: "the token's issuer is not accepted"
        case .wrongAudience: "the token is not meant for this audience"
        case .missingSubject: "the token has no subject (sub)"
        case .invalidClaims: "the ssegate claim holds an invalid channel pattern"
        }
    }

    /// The `WWW-Authenticate` value (RFC 6750 §3). A request without a token gets the bare challenge, as §3.1
    /// asks ("SHOULD NOT include an error code"); the descriptions hold no `"` or `\`, as §3 requires.
    public var wwwAuthenticate: String {
        reason == .missingToken ? "Bearer" : "Bearer error=\"invalid_token\", error_description=\"\(description)\""
    }
}
