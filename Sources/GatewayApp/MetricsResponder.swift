import GatewayHTTP
import NIOHTTP1

/// `metrics:` routes: `GET` answers every metric in the Prometheus text format (version 0.0.4).
struct MetricsResponder: Responder {
    let exposition: MetricsExposition

    var allowedMethods: [HTTPMethod] { [.GET, .HEAD] }

    func respond(to request: Request, context: RequestContext) -> Response {
        .complete(status: 200, headers: [("content-type", "text/plain; version=0.0.4; charset=utf-8")], body: exposition.render())
    }
}
