import GatewayAuth
import GatewayHTTP
import NIOCore

/// A route's CORS policy at work: answers preflights itself, and adds the `access-control-*` headers (and
/// `vary: origin`) to every other answer, refusals included, so a page can read a 401 and fetch a new token.
///
/// First in the chain: a preflight carries no credentials (Fetch §4.8, step 3), so it must be answered before
/// `MethodGuard` (which would refuse `OPTIONS` with 405) and before authentication (which would refuse it with 401).
struct CORS: Middleware {
    let policy: CORSPolicy

    func respond(to request: Request, context: RequestContext, next: any Responder) -> Response {
        if CORSPolicy.isPreflight(method: request.method.rawValue, headers: request.headers) {
            // 204 for an allowed origin or not: a refused origin gets no `access-control-allow-origin`, and the
            // browser then fails the preflight itself.
            return .complete(status: 204, headers: policy.preflightResponseHeaders(for: request.headers), body: ByteBuffer())
        }
        return next.respond(to: request, context: context).addingHeaders(policy.responseHeaders(for: request.headers))
    }
}
