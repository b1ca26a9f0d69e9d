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

    /// The route's patterns with their chains: one for most actions, one per endpoint for `admin`.
    func entries(for options: RouteConfiguration) -> [(RoutePattern, CompiledRoute)] {
        // A route limited to some listeners does not exist on the others, so this runs before anything.
        let outer: [any Middleware] = options.listeners.map { [ListenerGuard(listeners: Set($0))] } ?? []
        if case .admin(let admin) = options.route.action {
            let credentials = AdminCredentials(token: operations.environment[admin.tokenEnvironmentVariable].flatMap { $0.isEmpty ? nil : $0 },
                                               variable: admin.tokenEnvironmentVariable)
            let api = AdminAPI(engine: engine, sessions: operations.sessions, reload: operations.reload)
            return api.endpoints(under: options.route.pattern).map { pattern, responder in
                (pattern, CompiledRoute(responder: ChainedResponder.wrap(responder, in: outer + [credentials, MethodGuard()]), label: pattern.description))
            }
        }
        let responder = ChainedResponder.wrap(responder(for: options), in: outer)
        return [(options.route.pattern, CompiledRoute(responder: responder, label: options.route.pattern.description))]
    }

    func responder(for options: RouteConfiguration) -> any Responder {
        let limits = options.historyLimits(over: configuration.history)
        // Only stream routes get stream metrics, sessions and webhooks (their planner carries them).
        let planner = {
            let routeOperations = RouteOperations(
                label: options.route.pattern.description, sessions: operations.sessions,
                webhook: options.webhook.map { operations.webhooks.queue(for: $0, environment: operations.environment) })
            return StreamPlanner(engine: engine, streams: configuration.streams, options: options, historyLimits: limits, operations: routeOperations)
        }
        // Outermost first: the method check answers before any credential is looked at.
        var chain: [any Middleware] = [MethodGuard()]
        let responder: any Responder
        switch options.route.action {
        case .channel(let template):
            responder = ChannelResponder(template: template, maxChannels: options.maxChannels, planner: planner())
        case .publish(let template):
            chain.append(PublishCredentials(token: publishToken, variable: configuration.publish.tokenEnvironmentVariable))
            responder = PublishResponder(
                template: template, engine: engine, maxBodyBytes: configuration.publish.maxBodyBytes,
                maxEventsPerRequest: configuration.publish.maxEventsPerRequest, historyLimits: limits)
        case .health(let check):
            responder = HealthResponder(check: check, readiness: readiness)
        case .upstream(let route):
            responder = UpstreamResponder(route: route, upstreams: upstreams, planner: planner())
        case .metrics:
            responder = MetricsResponder(exposition: operations.metrics)
        case .admin:
            preconditionFailure("admin routes are compiled per endpoint by entries(for:)")
        }
        return ChainedResponder.wrap(responder, in: chain)
    }
}
