import Foundation
import GatewayAuth
import GatewayHTTP
import Logging

/// Finds a request's token (header, cookie, `?access_token=`), verifies it, and passes the identity on in
/// `RequestContext.identity`; refuses with 401 when the token is missing (on `auth: jwt` routes), malformed,
/// badly signed or expired (for streams, with no leeway on `exp`: they end there). Whether the identity reaches the channels is the responder's check
/// (`ChannelAccess`), since only it knows the channel names.
///
/// Verification is synchronous and on the request's loop: it costs tens of microseconds (see BENCHMARKS.md),
/// and happens once per subscribe, never per event.
struct Authentication: Middleware {
    /// Nil while the snapshot was built without keys (before the server read them): requests get 503.
    let verifier: TokenVerifier?
    let requirement: AuthRequirement
    /// The route's path pattern, for logs.
    let route: String
    let logger: Logger

    func respond(to request: Request, context: RequestContext, next: any Responder) -> Response {
        guard let verifier else { return HTTPError.authUnavailable.response }
        guard let found = verifier.tokenSource.find(headers: request.headers, query: request.query) else {
            // Anonymous on an optional route: the responder allows only the route's public channels.
            if requirement == .optional { return next.respond(to: request, context: context) }
            return refuse(.missingToken, request: request, location: nil)
        }
        let now = Date()
        switch verifier.verify(found.token, now: now) {
        case .success(let token) where token.expiresAt <= now:
            // Within the leeway, but a stream ends at `exp`: it would end as soon as it opened, and the client
            // would loop on reconnects instead of fetching a new token.
            return refuse(.expired, request: request, location: found.location)
        case .success(let token):
            var context = context
            context.identity = token
            return next.respond(to: request, context: context)
        case .failure(let failure):
            return refuse(failure, request: request, location: found.location)
        }
    }

    /// Logs the reason and where the token came from, never the token.
    private func refuse(_ failure: AuthFailure, request: Request, location: TokenSource.Location?) -> Response {
        AuthRefusalMetrics.count(route: route, reason: failure.code)
        logger.info("authentication refused", metadata: [
            "route": "\(route)", "reason": "\(failure.code)", "token": "\(location?.rawValue ?? "none")",
            "remote": "\(request.connection.remoteAddress.map { "\($0)" } ?? "?")",
        ])
        return HTTPError.unauthenticated(failure).response
    }
}
