import GatewayRouting
import GatewayHTTP
import NIOHTTP1

/// `health:` routes: 200 `{"status":"ok"}` while the process is live, or (readiness) until it drains.
struct HealthResponder: Responder {
    let check: HealthCheck
    let readiness: Readiness

    var allowedMethods: [HTTPMethod] { [.GET, .HEAD] }

    func respond(to request: Request, context: RequestContext) -> Response {
        if check == .readiness, !readiness.isReady {
            return .json(503, .object([("status", .string("draining"))]))
        }
        return .json(200, .object([("status", .string("ok"))]))
    }
}
