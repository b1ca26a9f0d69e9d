import GatewayHTTP
import NIOHTTP1

/// `GET <admin>`: what the admin API offers, so an operator with a token can find the rest.
struct AdminIndexResponder: Responder {
    /// `METHOD path` of each endpoint, under the route's prefix.
    let endpoints: [String]

    var allowedMethods: [HTTPMethod] { [.GET, .HEAD] }

    func respond(to request: Request, context: RequestContext) -> Response {
        .json(200, .object([("endpoints", .array(endpoints.map { .string($0) }))]))
    }
}
