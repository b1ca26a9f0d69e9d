import GatewayAuth
import GatewayConfig
import GatewayHTTP
import GatewayHub
import GatewayRouting
import Logging

/// Builds each route's responder and its middleware chain, once per runtime snapshot.
///
/// The chain, outermost first: the listener guard (a route limited to some listeners does not exist on
/// the others), the admin credentials, CORS (preflights carry no credentials and are answered before the
/// method check), the method check, the rate limit (a flood of refused requests costs no token check), then
/// the credentials a route needs (JWT authentication or the publish credentials).
struct RouteCompiler {
    let configuration: GatewayConfiguration
    let engine: any HubEngine
    let publishToken: String?
    let readiness: Readiness
    let upstreams: UpstreamRegistry?
    let tokenVerifier: TokenVerifier?
    let logger: Logger
    let operations: OperationsServices
    /// The per-publisher budget every publish route of this snapshot shares.
    let publishLimiter: PublishRateLimiter

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

    /// What runs before anything else: the listener guard and the admin credentials.
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
        let routeLabel = options.route.pattern.description
        let access = ChannelAccess(requirement: options.auth, publicChannels: options.publicChannels, route: routeLabel, logger: logger)
        let routeUpstreams: UpstreamRegistry? = if case .upstream = options.route.action { upstreams } else { nil }
        // Only stream routes get stream metrics, sessions and webhooks (their planner carries them).
        let planner = {
            let routeOperations = RouteOperations(
                label: routeLabel, sessions: hasAdminRoute ? operations.sessions : nil,
                webhook: options.webhook.map { operations.webhooks.queue(for: $0, environment: operations.environment) })
            return StreamPlanner(
                engine: engine, streams: configuration.streams, options: options, historyLimits: limits, access: access,
                expiryWarning: configuration.auth.jwt?.expiryWarning ?? JWTSettings.defaultExpiryWarning, operations: routeOperations,
                upstreams: routeUpstreams)
        }
        var chain = outerChain(options)
        if let cors = options.cors { chain.append(CORS(policy: cors)) }
        chain.append(MethodGuard())
        if let limit = options.rateLimit { chain.append(RateLimit(limit)) }
        let authentication = Authentication(verifier: tokenVerifier, requirement: options.auth, route: routeLabel, logger: logger)
        let responder: any Responder
        switch options.route.action {
        case .channel(let template):
            if options.auth.checksTokens { chain.append(authentication) }
            responder = ChannelResponder(template: template, maxChannels: options.maxChannels, planner: planner())
        case .publish(let template):
            if !options.anonymous {
                chain.append(PublishCredentials(
                    token: publishToken, variable: configuration.publish.tokenEnvironmentVariable,
                    verifier: options.auth.checksTokens ? tokenVerifier : nil, route: routeLabel, logger: logger))
            }
            // After the credentials: the budget is counted per credential that was accepted.
            chain.append(PublishRateLimit(limiter: publishLimiter, anonymous: options.anonymous))
            responder = PublishResponder(
                template: template, engine: engine, maxBodyBytes: configuration.publish.maxBodyBytes,
                maxEventsPerRequest: configuration.publish.maxEventsPerRequest, historyLimits: limits, access: access)
        case .health(let check):
            responder = HealthResponder(check: check, readiness: readiness)
        case .upstream(let route):
            if options.auth.checksTokens { chain.append(authentication) }
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
