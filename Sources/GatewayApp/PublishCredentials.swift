import Foundation
import GatewayAuth
import GatewayHTTP
import Logging

/// Who may publish: trusted listeners (loopback plaintext by default) publish freely; others need
/// `Authorization: Bearer <token>` with the static token from the environment variable the config names,
/// or, on a route with `auth: jwt`, a JWT whose `publish` claims the responder then checks per channel.
struct PublishCredentials: Middleware {
    /// The token; nil when the variable is unset or empty (untrusted listeners then refuse it).
    let token: String?
    /// The variable's name, for the refusal message.
    let variable: String
    /// Routes with `auth: jwt`: verifies publishers' JWTs; nil accepts only the static token.
    var verifier: TokenVerifier? = nil
    /// The route's path pattern, for logs.
    var route: String = ""
    var logger: Logger = Logger(label: "ssegate")

    func respond(to request: Request, context: RequestContext, next: any Responder) -> Response {
        switch admission(for: request) {
        case .success(let identity):
            var context = context
            context.identity = identity
            return next.respond(to: request, context: context)
        case .failure(let refusal):
            return refusal.response
        }
    }

    /// The publisher's identity: nil for a trusted listener or the static token (every channel), a verified
    /// token otherwise.
    private func admission(for request: Request) -> Result<VerifiedToken?, HTTPError> {
        if request.connection.trusted { return .success(nil) }
        let presented = request.header("authorization").flatMap(Self.bearer)
        if let token, let presented, Self.constantTimeEqual(Array(presented.utf8), Array(token.utf8)) { return .success(nil) }
        if let verifier, let found = verifier.tokenSource.find(headers: request.headers, query: request.query) {
            return verifier.verify(found.token, now: Date()).mapError { failure in
                logger.info("publish authentication refused", metadata: ["route": "\(route)", "reason": "\(failure.code)", "token": "\(found.location.rawValue)"])
                AuthRefusalMetrics.count(route: route, reason: failure.code)
                return .unauthenticated(failure)
            }.map { $0 }
        }
        guard token != nil || verifier != nil else {
            return .failure(HTTPError(403, .publishDisabled, "publishing on this listener needs a token, and \(variable) is not set on the server"))
        }
        guard request.header("authorization") != nil else {
            AuthRefusalMetrics.count(route: route, reason: AuthFailure.missingToken.code)
            return .failure(HTTPError(401, .unauthorized, "publishing needs 'Authorization: Bearer <token>'", headers: [("www-authenticate", "Bearer")]))
        }
        AuthRefusalMetrics.count(route: route, reason: AuthRefusalMetrics.publishTokenRefused)
        return .failure(HTTPError(403, .forbidden, "the bearer token is not valid for publishing"))
    }

    /// The credentials of `Bearer <token>` (scheme case-insensitive).
    private static func bearer(_ authorization: String) -> String? {
        let prefix = "bearer "
        guard authorization.count > prefix.count, authorization.prefix(prefix.count).lowercased() == prefix else { return nil }
        return String(authorization.dropFirst(prefix.count))
    }

    /// Compares secrets without an early exit, so timing does not reveal how much of a guess was right.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
        return difference == 0
    }
}
