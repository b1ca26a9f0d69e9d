import GatewayConfig
import GatewayHTTP
import GatewayHub
import GatewayRouting
import GatewayTLS
import NIOCore

/// Everything a request or a handshake is served with, built once from one configuration and never
/// changed: the compiled routes, the TLS server context (certificates, SNI table) and the live settings.
///
/// Maintainer note: connections read the current snapshot through one shared reference (`Runtime`), per
/// request and per handshake; a reload builds a new snapshot off the event loops and replaces the
/// reference in one step. A running stream keeps what it started with: its plan holds its route's
/// `StreamRoute`, not the snapshot.
public final class RuntimeSnapshot: HTTPApplication {
    public let configuration: GatewayConfiguration
    public let connectionSettings: ConnectionSettings
    /// The TLS server context for TLS listeners; nil when no listener uses TLS.
    public let tlsContext: TLSServerContext?
    private let routes: PatternTable<any Responder>

    /// Compiles every route into its responder chain. `publishToken` is the static publish bearer token
    /// (from the environment); `upstreams` runs shared upstream sources (nil where no server runs them).
    public init(configuration: GatewayConfiguration, engine: any HubEngine, publishToken: String?, readiness: Readiness,
                upstreams: UpstreamRegistry? = nil, tlsContext: TLSServerContext? = nil) {
        self.configuration = configuration
        self.tlsContext = tlsContext
        self.connectionSettings = ConnectionSettings(
            http2: configuration.http2, http1: configuration.http1, maxRequestHeadBytes: configuration.limits.maxRequestHeadBytes,
            maxRequestBodyBytes: configuration.publish.maxBodyBytes, outboundBudget: configuration.streams.outboundBudget,
            accessLog: configuration.logging.accessLog)
        let compiler = RouteCompiler(configuration: configuration, engine: engine, publishToken: publishToken, readiness: readiness, upstreams: upstreams)
        routes = PatternTable(configuration.routes.map { ($0.route.pattern, compiler.responder(for: $0)) })
    }

    public func respond(to request: Request, on loop: any EventLoop) -> Response {
        guard let (responder, parameters) = routes.match(path: request.path) else {
            return HTTPError.notFound(request.path).response
        }
        return responder.respond(to: request, context: RequestContext(parameters: parameters, eventLoop: loop))
    }
}

/// The one shared reference to the current snapshot.
public typealias Runtime = ApplicationReference<RuntimeSnapshot>

/// Builds each route's responder and its middleware chain.
struct RouteCompiler {
    let configuration: GatewayConfiguration
    let engine: any HubEngine
    let publishToken: String?
    let readiness: Readiness
    let upstreams: UpstreamRegistry?

    func responder(for options: RouteConfiguration) -> any Responder {
        let limits = options.historyLimits(over: configuration.history)
        let planner = StreamPlanner(engine: engine, streams: configuration.streams, options: options, historyLimits: limits)
        // Outermost first: the method check answers before any credential is looked at.
        var chain: [any Middleware] = [MethodGuard()]
        // Before credentials: a flood of refused requests should not cost a token check each.
        if let limit = options.rateLimit { chain.append(RateLimit(limit)) }
        let responder: any Responder
        switch options.route.action {
        case .channel(let template):
            responder = ChannelResponder(template: template, maxChannels: options.maxChannels, planner: planner)
        case .publish(let template):
            if !options.anonymous {
                chain.append(PublishCredentials(token: publishToken, variable: configuration.publish.tokenEnvironmentVariable))
            }
            responder = PublishResponder(
                template: template, engine: engine, maxBodyBytes: configuration.publish.maxBodyBytes,
                maxEventsPerRequest: configuration.publish.maxEventsPerRequest, historyLimits: limits)
        case .health(let check):
            responder = HealthResponder(check: check, readiness: readiness)
        case .upstream(let route):
            responder = UpstreamResponder(route: route, upstreams: upstreams, planner: planner)
        case .staticFiles(let route):
            responder = StaticResponder(site: StaticSite.load(route), fileParameter: options.route.pattern.parameterNames.first, index: route.index)
        }
        return ChainedResponder.wrap(responder, in: chain)
    }
}
