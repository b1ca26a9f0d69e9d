import GatewayAuth
import GatewayHTTP

/// The answers access control gives, as `HTTPError`s: 401 with the RFC 6750 challenge for a missing or bad
/// token, 403 `insufficient_scope` for a good token that does not reach a channel.
extension HTTPError {
    /// 401: `WWW-Authenticate: Bearer` (no error code when no token was sent, RFC 6750 §3.1), and the failure's
    /// code as `reason` in the body.
    static func unauthenticated(_ failure: AuthFailure) -> HTTPError {
        HTTPError(401, .unauthorized, failure.description, headers: [("www-authenticate", failure.wwwAuthenticate)],
                  details: [("reason", .string(failure.code))])
    }

    /// 403 for a channel the token's claims do not cover (RFC 6750 §3.1 `insufficient_scope`).
    static func insufficientScope(_ action: String, channel: String) -> HTTPError {
        let message = "the token does not allow you to \(action) '\(channel)'"
        return HTTPError(403, .forbidden, message,
                         headers: [("www-authenticate", #"Bearer error="insufficient_scope", error_description="\#(message.replacing("\"", with: "'"))""#)],
                         details: [("channel", .string(channel))])
    }

    /// 403 for a `?session=` the token does not grant: session ids address targeted events, so only a token
    /// naming the session may claim it.
    static let sessionNotGranted = HTTPError(
        403, .forbidden, "the token does not grant this session (its ssegate.session claim must name it)",
        headers: [("www-authenticate", #"Bearer error="insufficient_scope", error_description="session not granted""#)])

    /// 503 while a route needs tokens but no keys are loaded (a snapshot built before the server read them).
    static let authUnavailable = HTTPError(503, .authUnavailable, "token verification is not ready", headers: [("retry-after", "1")])
}
