import GatewayHTTP
import NIOHTTP1

/// Answers 405 (with `Allow`, RFC 9110 §15.5.6) for a method the route's responder does not take.
struct MethodGuard: Middleware {
    func respond(to request: Request, context: RequestContext, next: any Responder) -> Response {
        let allowed = next.allowedMethods
        guard allowed.contains(request.method) else {
            let list = allowed.map(\.rawValue).joined(separator: ", ")
            return HTTPError(405, .methodNotAllowed, "\(request.method.rawValue) is not allowed here; use \(list)", headers: [("allow", list)]).response
        }
        return next.respond(to: request, context: context)
    }
}
