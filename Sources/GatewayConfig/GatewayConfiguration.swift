import GatewayAuth
import GatewayACME
import GatewayHTTP
import GatewayHTTP2
import GatewayHub
import GatewayRouting
import GatewayTLS

/// The whole validated, immutable configuration of one gateway process.
///
/// Built only by `GatewayConfiguration.load(...)` (see `GatewayConfiguration+File.swift`), which rejects
/// unknown keys, wrong types and bad values with file:line:column. Every field has a documented default so a
/// config file names only what it changes.
public struct GatewayConfiguration: Sendable, Equatable {
    /// Sockets to listen on. Default: TLS on `0.0.0.0:8443`, plaintext on `127.0.0.1:8080`, and the admin
    /// listener (plaintext, untrusted) on `127.0.0.1:9090`.
    public var listeners: [ListenerConfiguration]
    /// Certificates and TLS behaviour for TLS listeners.
    public var tls: TLSSettings
    /// HTTP/2 SETTINGS, flood limits and idle timeout for every HTTP/2 connection (the layer's own type).
    public var http2: HTTP2SessionSettings
    /// HTTP/1.1 keep-alive for every HTTP/1.1 connection (the layer's own type).
    public var http1: HTTP1Settings
    /// Defaults for every SSE stream (routes may override some).
    public var streams: StreamSettings
    /// Per-channel history bounds (what a reconnecting client can be replayed) and the global budget.
    public var history: HistorySettings
    /// Publish API limits and credentials.
    public var publish: PublishSettings
    /// Global caps that keep memory bounded.
    public var limits: LimitSettings
    /// Log level and format.
    public var logging: LoggingSettings
    /// The routing table, in match order.
    public var routes: [RouteConfiguration]
    /// Limits on upstream origins (`upstream:` routes).
    public var upstreams: UpstreamSettings
    /// Token verification for routes with `auth: jwt` or `auth: optional`. Default: none.
    public var auth: AuthSettings
    /// The hub engine: memory (default) or Redis (several nodes sharing channels).
    public var engine: EngineSettings
    /// How a shutdown (SIGTERM) spreads the end of the open streams.
    public var drain: DrainSettings = .init()

    public init(
        listeners: [ListenerConfiguration] = ListenerConfiguration.defaults,
        tls: TLSSettings = .init(),
        http2: HTTP2SessionSettings = .init(),
        http1: HTTP1Settings = .init(),
        streams: StreamSettings = .init(),
        history: HistorySettings = .init(),
        publish: PublishSettings = .init(),
        limits: LimitSettings = .init(),
        logging: LoggingSettings = .init(),
        routes: [RouteConfiguration] = [],
        upstreams: UpstreamSettings = .init(),
        auth: AuthSettings = .init(),
        engine: EngineSettings = .init()
    ) {
        self.listeners = listeners
        self.tls = tls
        self.http2 = http2
        self.http1 = http1
        self.streams = streams
        self.history = history
        self.publish = publish
        self.limits = limits
        self.logging = logging
        self.routes = routes
        self.upstreams = upstreams
        self.auth = auth
        self.engine = engine
    }
}

/// One listening socket.
public struct ListenerConfiguration: Sendable, Equatable {
    /// A name for logs and metrics. Default: `"<host>:<port>"`.
    public var name: String
    /// Address to bind, IPv4 or IPv6 literal or `localhost`.
    public var host: String
    /// Port to bind; `0` picks an ephemeral port (tests).
    public var port: Int
    /// Whether connections are TLS (ALPN `h2`, `http/1.1`) or plaintext (HTTP/2 prior knowledge or HTTP/1.1).
    public var tls: Bool
    /// Whether publish requests on this listener need no bearer token. Default: true only for a plaintext
    /// listener bound to a loopback address, so the local backend can publish without credentials.
    public var trusted: Bool
    /// TLS listeners only: the `strict-transport-security` header added to every answer. Default: none.
    public var strictTransportSecurity: StrictTransportSecurity?
    /// Connection caps and the handshake rate, as set; `limits(under:)` fills in the defaults.
    public var limitSettings: ListenerLimitSettings

    public init(
        name: String? = nil, host: String, port: Int, tls: Bool, trusted: Bool? = nil,
        strictTransportSecurity: StrictTransportSecurity? = nil, limits: ListenerLimitSettings = .init()
    ) {
        self.name = name ?? "\(host):\(port)"
        self.host = host
        self.port = port
        self.tls = tls
        self.trusted = trusted ?? (!tls && ListenerConfiguration.isLoopback(host))
        self.strictTransportSecurity = strictTransportSecurity
        self.limitSettings = limits
    }

    public static let defaults: [ListenerConfiguration] = [
        ListenerConfiguration(name: "public", host: "0.0.0.0", port: 8443, tls: true),
        ListenerConfiguration(name: "local", host: "127.0.0.1", port: 8080, tls: false),
        ListenerConfiguration(name: "admin", host: "127.0.0.1", port: 9090, tls: false, trusted: false),
    ]

    /// Loopback literals: `127.0.0.0/8`, `::1`, `localhost`.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// TLS for every TLS listener.
public struct TLSSettings: Sendable, Equatable {
    /// Certificates; the first one is the default for clients that send no (or an unknown) SNI name.
    /// Default: the development certificate `certs/localhost.pem` + `certs/localhost-key.pem`.
    public var certificates: [TLSCertificateFiles]
    /// Generate a local development CA and a `localhost` certificate into `developmentDirectory` when the
    /// configured certificate files are missing. Default: true. Turn off in production.
    public var generateDevelopmentCertificate: Bool
    /// Folder for the generated development CA and certificate. Default: `certs`.
    public var developmentDirectory: String
    /// A TLS handshake must complete within this time. Default: 10 s.
    public var handshakeTimeout: Duration
    /// Issue TLS session tickets (stateless resumption). Default: true.
    public var sessionTickets: Bool
    /// Certificates from an ACME CA (`tls.acme`), served before `certificates` once obtained. Default: nil.
    public var acme: ACMEConfiguration? = nil

    public init(
        certificates: [TLSCertificateFiles] = [
            TLSCertificateFiles(certificatePath: "certs/localhost.pem", keyPath: "certs/localhost-key.pem"),
        ],
        generateDevelopmentCertificate: Bool = true,
        developmentDirectory: String = "certs",
        handshakeTimeout: Duration = .seconds(10),
        sessionTickets: Bool = true
    ) {
        self.certificates = certificates
        self.generateDevelopmentCertificate = generateDevelopmentCertificate
        self.developmentDirectory = developmentDirectory
        self.handshakeTimeout = handshakeTimeout
        self.sessionTickets = sessionTickets
    }
}

/// Defaults for every SSE stream.
public struct StreamSettings: Sendable, Equatable {
    /// A comment line is sent on a stream idle for this long. Default: 15 s (WHATWG's suggestion).
    public var heartbeat: Duration
    /// The `retry:` reconnection hint sent when a stream opens. Default: 3 s.
    public var retry: Duration
    /// Bytes a stream may have queued but unsent before it is ended as a slow consumer. Default: 256 KiB.
    /// Keep it above the largest publish: one publish reaches a stream in one piece.
    public var outboundBudget: Int
    /// The `retry:` hint is drawn from `retry … retry × (1 + retryJitter)`, so clients dropped together
    /// (a drain, a restart) do not all come back in the same instant. Default: 0.5.
    public var retryJitter: Double
    /// Streams are ended cleanly after this age (the client resumes at once with `Last-Event-ID`), so
    /// long-lived connections rebalance and credentials get re-checked. Default: nil (no limit).
    public var maxAge: Duration?
    /// Each stream's age limit is shortened by up to this fraction, spreading the reconnects. Default: 0.1.
    public var maxAgeJitter: Double
    /// A stream none of whose queued bytes could be sent for this long (a zero flow-control window, a
    /// client that stopped reading) is ended; the client resumes from history. Default: 30 s.
    public var stallTimeout: Duration

    public init(
        heartbeat: Duration = .seconds(15),
        retry: Duration = .seconds(3),
        outboundBudget: Int = 256 * 1024,
        retryJitter: Double = 0.5,
        maxAge: Duration? = nil,
        maxAgeJitter: Double = 0.1,
        stallTimeout: Duration = .seconds(30)
    ) {
        self.stallTimeout = stallTimeout
        self.heartbeat = heartbeat
        self.retry = retry
        self.outboundBudget = outboundBudget
        self.retryJitter = retryJitter
        self.maxAge = maxAge
        self.maxAgeJitter = maxAgeJitter
    }
}

/// Bounds on each channel's history, and on all channels together.
public struct HistorySettings: Sendable, Equatable {
    /// Per-channel bounds (the hub's own type; its defaults: 1000 events, 1 MiB, 1 h).
    public var limits: HistoryLimits
    /// Most history bytes across all channels; past it, a publishing channel gives up its oldest events.
    /// Default: 512 MiB.
    public var maxTotalBytes: Int

    public init(limits: HistoryLimits = HistoryLimits(), maxTotalBytes: Int = 512 << 20) {
        self.limits = limits
        self.maxTotalBytes = maxTotalBytes
    }

    /// Most events kept per channel.
    public var count: Int { get { limits.count } set { limits.count = newValue } }
    /// Most event bytes kept per channel.
    public var bytes: Int { get { limits.bytes } set { limits.bytes = newValue } }
    /// Events older than this are dropped.
    public var ttl: Duration { get { limits.ttl } set { limits.ttl = newValue } }
}

/// The publish API.
public struct PublishSettings: Sendable, Equatable {
    /// Name of the environment variable holding the bearer token that untrusted listeners require for
    /// publishing. Default: `SSEGATE_PUBLISH_TOKEN`. When the variable is unset or empty, publishing on
    /// untrusted listeners is refused (403).
    public var tokenEnvironmentVariable: String
    /// Largest accepted publish body. Default: 64 KiB.
    public var maxBodyBytes: Int
    /// Most events in one JSON array body. Default: 100.
    public var maxEventsPerRequest: Int
    /// How long an `Idempotency-Key` is remembered: a retry within it delivers nothing new. Default: 10 min.
    public var idempotencyTTL: Duration
    /// Each publisher's budget on untrusted listeners (per JWT subject, for the static token, or per client
    /// address on anonymous routes), answered 429 with `Retry-After` past it. Default: 200 per second.
    public var rateLimit: RouteRateLimit

    public init(
        tokenEnvironmentVariable: String = "SSEGATE_PUBLISH_TOKEN",
        maxBodyBytes: Int = 64 * 1024,
        maxEventsPerRequest: Int = 100,
        idempotencyTTL: Duration = .seconds(600),
        rateLimit: RouteRateLimit = PublishSettings.defaultRateLimit
    ) {
        self.tokenEnvironmentVariable = tokenEnvironmentVariable
        self.maxBodyBytes = maxBodyBytes
        self.maxEventsPerRequest = maxEventsPerRequest
        self.idempotencyTTL = idempotencyTTL
        self.rateLimit = rateLimit
    }

    public static let defaultRateLimit = RouteRateLimit(requests: 200, period: .seconds(1))
}

/// Global caps, and the defaults of the per-listener ones.
public struct LimitSettings: Sendable, Equatable {
    /// Most open connections per process, all listeners together. Default: 1,100,000.
    public var maxConnections: Int
    /// Most open connections from one client (IPv4 address or IPv6 /64) on each untrusted listener that
    /// sets no `max_connections_per_ip` of its own; 0: no limit. Default: 256.
    public var maxConnectionsPerIP: Int
    /// Largest HTTP/1.1 request head (request line + headers). Default: 16 KiB.
    public var maxRequestHeadBytes: Int
    /// A request head must complete this long after its first byte. Default: 15 s.
    public var requestHeadTimeout: Duration = .seconds(15)
    /// A request body may go this long without a byte. Default: 10 s.
    public var requestBodyTimeout: Duration = .seconds(10)

    public init(maxConnections: Int = 1_100_000, maxConnectionsPerIP: Int = 256, maxRequestHeadBytes: Int = 16 * 1024) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerIP = maxConnectionsPerIP
        self.maxRequestHeadBytes = maxRequestHeadBytes
    }
}

/// Logging.
public struct LoggingSettings: Sendable, Equatable {
    public enum Format: String, Sendable, Equatable, CaseIterable { case json, text }
    /// swift-log level name (`trace` … `critical`). Default: `info`.
    public var level: String
    /// `json` (one object per line) or `text`. Default: `text`.
    public var format: Format
    /// One access log line per closed stream or answered request. Default: true.
    public var accessLog: Bool

    public init(level: String = "info", format: Format = .text, accessLog: Bool = true) {
        self.level = level
        self.format = format
        self.accessLog = accessLog
    }
}

/// One route with its per-route options.
public struct RouteConfiguration: Sendable, Equatable {
    /// The pattern and action.
    public var route: Route
    /// Heartbeat interval for streams of this route; nil: `streams.heartbeat`.
    public var heartbeat: Duration?
    /// `retry:` hint for streams of this route; nil: `streams.retry`.
    public var retry: Duration?
    /// History bounds for channels this route creates (channel and publish routes); nil fields: `history`.
    public var history: HistoryOverride?
    /// On a first connect (no id), replay the last N events of history before going live. Default: nil (live only).
    public var replayLast: Int?
    /// Most channels one stream may name (`?channel=a&channel=b`, each filled into the channel template).
    /// Default: 1 (the path names the one channel).
    public var maxChannels: Int
    /// Send a `stream-open` event with the stream's session id when it opens. Default: false.
    public var streamOpenEvent: Bool
    /// Age limit for streams of this route; nil: `streams.max_age`.
    public var maxAge: Duration?
    /// Request budget of this route (a token bucket, answered 429 past it); nil: no limit.
    public var rateLimit: RouteRateLimit?
    /// Publish routes: anyone may publish, on any listener, without the publish token (the demo page's
    /// form). Requires `rateLimit`. Default: false.
    public var anonymous: Bool
    /// The listeners this route answers on (others get 404); nil: every listener.
    public var listeners: [String]?
    /// Stream open and close notifications (channel and upstream routes); nil: none.
    public var webhook: WebhookSettings?
    /// Whether requests need a token (`auth: none | jwt | optional`). Default: none.
    public var auth: AuthRequirement
    /// With `auth: optional`: the channels a request without a token may read.
    public var publicChannels: [ChannelPattern]
    /// Which other origins' pages may use this route; nil: none (same-origin only).
    public var cors: CORSPolicy?

    public init(
        route: Route,
        heartbeat: Duration? = nil,
        retry: Duration? = nil,
        history: HistoryOverride? = nil,
        replayLast: Int? = nil,
        maxChannels: Int = 1,
        streamOpenEvent: Bool = false,
        maxAge: Duration? = nil,
        rateLimit: RouteRateLimit? = nil,
        anonymous: Bool = false,
        listeners: [String]? = nil,
        webhook: WebhookSettings? = nil,
        auth: AuthRequirement = .none,
        publicChannels: [ChannelPattern] = [],
        cors: CORSPolicy? = nil
    ) {
        self.route = route
        self.heartbeat = heartbeat
        self.retry = retry
        self.history = history
        self.replayLast = replayLast
        self.maxChannels = maxChannels
        self.streamOpenEvent = streamOpenEvent
        self.maxAge = maxAge
        self.rateLimit = rateLimit
        self.anonymous = anonymous
        self.listeners = listeners
        self.webhook = webhook
        self.auth = auth
        self.publicChannels = publicChannels
        self.cors = cors
    }
}

extension RouteConfiguration {
    /// The history bounds for channels this route creates: its overrides over the `history` section.
    public func historyLimits(over global: HistorySettings) -> HistoryLimits {
        history?.applied(to: global.limits) ?? global.limits
    }
}

/// A route's history bounds; each nil field keeps the `history` section's value.
public struct HistoryOverride: Sendable, Equatable {
    public var count: Int?
    public var bytes: Int?
    public var ttl: Duration?

    public init(count: Int? = nil, bytes: Int? = nil, ttl: Duration? = nil) {
        self.count = count
        self.bytes = bytes
        self.ttl = ttl
    }

    /// The bounds in force: these fields over the global ones.
    public func applied(to global: HistoryLimits) -> HistoryLimits {
        HistoryLimits(count: count ?? global.count, bytes: bytes ?? global.bytes, ttl: ttl ?? global.ttl)
    }
}
