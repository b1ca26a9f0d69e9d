import GatewayACME
import GatewayAuth
import GatewayConfig
import GatewayHTTP
import GatewayHub
import GatewayRouting
import GatewayTLS
import Logging
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
    public var connectionSettings: ConnectionSettings { sharedConnectionSettings.value }
    /// Made once per snapshot: every connection started under it keeps this one reference.
    public let sharedConnectionSettings: SharedConnectionSettings
    /// The TLS server context for TLS listeners; nil when no listener uses TLS.
    public let tlsContext: TLSServerContext?
    private let routes: PatternTable<CompiledRoute>
    /// The configured routes and who may read them without a token, so a reload can tell which running
    /// streams still have their route and are still allowed on it.
    private let anonymousAccess: [Route: AnonymousAccess]
    /// HTTP-01 challenges (ACME), answered before any route on plaintext listeners; nil without ACME.
    public let acmeHTTP01: HTTP01ChallengeStore?
    /// Names of the plaintext listeners: the CA fetches HTTP-01 answers over plain HTTP (RFC 8555 §8.3).
    private let plaintextListeners: Set<String>

    /// Compiles every route into its responder chain. `publishToken` is the static publish bearer token
    /// (from the environment); `upstreams` runs shared upstream sources (nil where no server runs them);
    /// `tokenVerifier` holds the keys of `auth.jwt`, read by `GatewayConfiguration.tokenVerifier(environment:)`
    /// (routes with `auth:` answer 503 while it is nil); `logger` receives access-control refusals;
    /// `operations` is what the server keeps across reloads (sessions, metrics, reload hook, webhooks).
    public init(configuration: GatewayConfiguration, engine: any HubEngine, publishToken: String?, readiness: Readiness,
                upstreams: UpstreamRegistry? = nil, tlsContext: TLSServerContext? = nil,
                tokenVerifier: TokenVerifier? = nil, logger: Logger = Logger(label: "ssegate"),
                operations: OperationsServices = OperationsServices(), acmeHTTP01: HTTP01ChallengeStore? = nil) {
        self.configuration = configuration
        self.acmeHTTP01 = acmeHTTP01
        self.anonymousAccess = Dictionary(
            configuration.routes.map { ($0.route, AnonymousAccess(requirement: $0.auth, publicChannels: $0.publicChannels)) },
            uniquingKeysWith: { first, _ in first })
        self.plaintextListeners = Set(configuration.listeners.filter { !$0.tls }.map(\.name))
        self.tlsContext = tlsContext
        var connectionSettings = ConnectionSettings(
            http2: configuration.http2, http1: configuration.http1, maxRequestHeadBytes: configuration.limits.maxRequestHeadBytes,
            maxRequestBodyBytes: configuration.publish.maxBodyBytes, outboundBudget: configuration.streams.outboundBudget,
            accessLog: configuration.logging.accessLog)
        connectionSettings.requestHeadTimeout = configuration.limits.requestHeadTimeout
        connectionSettings.requestBodyTimeout = configuration.limits.requestBodyTimeout
        for listener in configuration.listeners {
            connectionSettings.strictTransportSecurity[listener.name] = listener.strictTransportSecurity
        }
        self.sharedConnectionSettings = SharedConnectionSettings(connectionSettings)
        let compiler = RouteCompiler(
            configuration: configuration, engine: engine, publishToken: publishToken, readiness: readiness, upstreams: upstreams,
            tokenVerifier: tokenVerifier, logger: logger, operations: operations,
            publishLimiter: PublishRateLimiter(configuration.publish.rateLimit))
        routes = PatternTable(configuration.routes.flatMap { compiler.entries(for: $0) })
    }

    public func respond(to request: Request, on loop: any EventLoop) -> Response {
        if let acmeHTTP01, plaintextListeners.contains(request.connection.listener),
           let answer = ACMEChallengeAnswer.response(to: request, from: acmeHTTP01) {
            return answer
        }
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

extension RuntimeSnapshot {
    /// Whether a stream opened under an earlier snapshot may keep running under this one: its route (pattern
    /// and action) is still configured, and a stream without a token is still allowed on it (the route did
    /// not become `auth: jwt`, and under `auth: optional` its channels are still public). The reload sweep
    /// (`OpenStreamSweep`) ends every stream this refuses, with a `retry:` hint; its reconnect then meets
    /// the new rules (a 401 asks the page for a token).
    ///
    /// A stream a token authorized keeps running: its channels were granted by the token, which the new
    /// configuration does not change, and it ends at the token's `exp` anyway.
    func keepsStream(_ plan: EventStreamPlan) -> Bool {
        guard let access = anonymousAccess[plan.route.definition] else { return false }
        return plan.authExpiry != nil || access.allows(plan.channels)
    }
}

/// Which channels a route lets a stream without a token read.
struct AnonymousAccess: Sendable {
    let requirement: AuthRequirement
    let publicChannels: [ChannelPattern]

    func allows(_ channels: [String]) -> Bool {
        switch requirement {
        case .none: true
        case .jwt: false
        case .optional: channels.allSatisfy { channel in publicChannels.contains { $0.allows(channel, subject: "") } }
        }
    }
}

/// The one shared reference to the current snapshot.
public typealias Runtime = ApplicationReference<RuntimeSnapshot>
