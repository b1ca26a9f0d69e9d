import GatewayAuth
import GatewayHTTP
import NIOCore
import NIOHTTP1

/// One route's answer, compiled once from its config: a channel stream, a publish, a health check, an
/// upstream. Responders are immutable values shared by every loop.
public protocol Responder: Sendable {
    /// The methods this route answers; others get 405 from `MethodGuard` before the responder runs.
    var allowedMethods: [HTTPMethod] { get }
    func respond(to request: Request, context: RequestContext) -> Response
}

/// What routing found out about a request, for its responder.
public struct RequestContext {
    /// Path parameters by name, percent-decoded.
    public var parameters: [String: String]
    /// The loop the request arrived on; deferred answers complete here.
    public var eventLoop: any EventLoop
    /// The verified token `Authentication` (or `PublishCredentials`) found; nil on routes without auth, for
    /// anonymous requests on `auth: optional` routes, and for publishers with the static token or on a trusted
    /// listener.
    public var identity: VerifiedToken?

    public init(parameters: [String: String], eventLoop: any EventLoop, identity: VerifiedToken? = nil) {
        self.parameters = parameters
        self.eventLoop = eventLoop
        self.identity = identity
    }
}

/// Something that runs around a responder: it may answer by itself (a refusal), or pass the request on to
/// `next` and adjust the answer. Each concern (method check, publish credentials, and later auth, CORS,
/// rate limits, metrics) is one middleware in its own file.
public protocol Middleware: Sendable {
    func respond(to request: Request, context: RequestContext, next: any Responder) -> Response
}

/// A responder wrapped by an ordered middleware chain: the first middleware sees the request first.
struct ChainedResponder: Responder {
    let middleware: any Middleware
    let next: any Responder

    var allowedMethods: [HTTPMethod] { next.allowedMethods }

    func respond(to request: Request, context: RequestContext) -> Response {
        middleware.respond(to: request, context: context, next: next)
    }

    /// `responder` behind `chain`, outermost first.
    static func wrap(_ responder: any Responder, in chain: [any Middleware]) -> any Responder {
        chain.reversed().reduce(responder) { inner, middleware in ChainedResponder(middleware: middleware, next: inner) }
    }
}
