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
    private let routes: PatternTable<CompiledRoute>

    /// Compiles every route into its responder chain. `publishToken` is the static publish bearer token
    /// (from the environment); `upstreams` runs shared upstream sources (nil where no server runs them).
    /// `operations` is what the server keeps across reloads (sessions, metrics, reload hook, webhooks).
    public init(configuration: GatewayConfiguration, engine: any HubEngine, publishToken: String?, readiness: Readiness,
                upstreams: UpstreamRegistry? = nil, tlsContext: TLSServerContext? = nil, operations: OperationsServices = OperationsServices()) {
        self.configuration = configuration
        self.tlsContext = tlsContext
        self.connectionSettings = ConnectionSettings(
            http2: configuration.http2, http1: configuration.http1, maxRequestHeadBytes: configuration.limits.maxRequestHeadBytes,
            maxRequestBodyBytes: configuration.publish.maxBodyBytes, outboundBudget: configuration.streams.outboundBudget,
            accessLog: configuration.logging.accessLog)
        let compiler = RouteCompiler(
            configuration: configuration, engine: engine, publishToken: publishToken, readiness: readiness, upstreams: upstreams, operations: operations)
        routes = PatternTable(configuration.routes.flatMap { compiler.entries(for: $0) })
    }

    public func respond(to request: Request, on loop: any EventLoop) -> Response {
        guard let (route, parameters) = routes.match(path: request.path) else {
            return HTTPError.notFound(request.path).response
        }
        return route.responder.respond(to: request, context: RequestContext(parameters: parameters, eventLoop: loop))
    }

    public func routeLabel(for path: Substring) -> String? {
        routes.match(path: path)?.target.label
    }
}

/// A pattern's responder chain and the pattern as written, for logs.
struct CompiledRoute: Sendable {
    let responder: any Responder
    let label: String
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
    let operations: OperationsServices

    /// The route's patterns with their chains: one for most actions; for `admin`, the index at the route's
    /// path and one per endpoint under it, each behind the admin credentials.
    func entries(for options: RouteConfiguration) -> [(RoutePattern, CompiledRoute)] {
        let own = (options.route.pattern, CompiledRoute(responder: responder(for: options), label: options.route.pattern.description))
        guard case .admin = options.route.action else { return [own] }
        let api = AdminAPI(engine: engine, sessions: operations.sessions, reload: operations.reload)
        let endpoints = api.endpoints(under: options.route.pattern).map { pattern, endpoint in
            (pattern, CompiledRoute(responder: ChainedResponder.wrap(endpoint, in: outerChain(options) + [MethodGuard()]), label: pattern.description))
        }
        return [own] + endpoints
    }

    /// Streams join the session registry only when an admin route can read it.
    private var hasAdminRoute: Bool {
        configuration.routes.contains { if case .admin = $0.route.action { true } else { false } }
    }

    /// What runs before anything else: a route limited to some listeners does not exist on the others,
    /// and the admin API asks for its token before it looks at the method.
    private func outerChain(_ options: RouteConfiguration) -> [any Middleware] {
        var chain: [any Middleware] = options.listeners.map { [ListenerGuard(listeners: Set($0))] } ?? []
        if case .admin(let admin) = options.route.action {
            let token = operations.environment[admin.tokenEnvironmentVariable].flatMap { $0.isEmpty ? nil : $0 }
            chain.append(AdminCredentials(token: token, variable: admin.tokenEnvironmentVariable))
        }
        return chain
    }

    func responder(for options: RouteConfiguration) -> any Responder {
        let limits = options.historyLimits(over: configuration.history)
        // Only stream routes get stream metrics, sessions and webhooks (their planner carries them).
        let planner = {
            let routeOperations = RouteOperations(
                label: options.route.pattern.description, sessions: hasAdminRoute ? operations.sessions : nil,
                webhook: options.webhook.map { operations.webhooks.queue(for: $0, environment: operations.environment) })
            return StreamPlanner(engine: engine, streams: configuration.streams, options: options, historyLimits: limits, operations: routeOperations)
        }
        // Outermost first: the listener and admin checks, then the method check before any publish credential.
        var chain: [any Middleware] = outerChain(options) + [MethodGuard()]
        // Before credentials: a flood of refused requests should not cost a token check each.
        if let limit = options.rateLimit { chain.append(RateLimit(limit)) }
        let responder: any Responder
        switch options.route.action {
        case .channel(let template):
            responder = ChannelResponder(template: template, maxChannels: options.maxChannels, planner: planner())
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
            responder = UpstreamResponder(route: route, upstreams: upstreams, planner: planner())
        case .staticFiles(let route):
            responder = StaticResponder(site: StaticSite.load(route), fileParameter: options.route.pattern.parameterNames.first, index: route.index)
        case .metrics:
            responder = MetricsResponder(exposition: operations.metrics)
        case .admin:
            responder = AdminAPI.index(under: options.route.pattern)
        }
        return ChainedResponder.wrap(responder, in: chain)
    }
}
