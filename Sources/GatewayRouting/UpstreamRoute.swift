/// A route whose events come from an upstream SSE origin (`upstream:` in the config).
public struct UpstreamRoute: Sendable, Hashable {
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// One upstream connection per distinct expanded URL, fanned out through a hub channel with history.
        case shared
        /// One upstream connection per client stream, with the client's headers and `Last-Event-ID`.
        case perClient = "per_client"
    }

    /// The origin's URL, with holes filled from path and query parameters.
    public var url: UpstreamURLTemplate
    /// Default: shared.
    public var mode: Mode
    /// Shared mode: the upstream is closed after this long without subscribers. Default: 30 s.
    public var idleTimeout: Duration
    /// Shared mode: once opened, never closed for lack of subscribers; opened at start when the URL has no
    /// parameters. Default: false.
    public var alwaysOn: Bool
    /// Per-client mode: request headers copied to the upstream request (lowercase names). Default: none.
    public var forwardHeaders: [String]
    /// PEM file of the CA(s) that verify `https` origins; nil: the system store.
    public var caFile: String?
    /// Timeouts, size limit and reconnect delays of each connection to the origin.
    public var connection: UpstreamConnectionSettings

    public init(
        url: UpstreamURLTemplate,
        mode: Mode = .shared,
        idleTimeout: Duration = .seconds(30),
        alwaysOn: Bool = false,
        forwardHeaders: [String] = [],
        caFile: String? = nil,
        connection: UpstreamConnectionSettings = .init()
    ) {
        self.url = url
        self.mode = mode
        self.idleTimeout = idleTimeout
        self.alwaysOn = alwaysOn
        self.forwardHeaders = forwardHeaders
        self.caFile = caFile
        self.connection = connection
    }
}

/// How the gateway connects to an origin; the upstream client (`UpstreamSourceConfiguration`) takes this
/// same value, so each default is written here once.
public struct UpstreamConnectionSettings: Sendable, Hashable {
    /// Limit for the TCP connect, and again for the TLS handshake. Default: 5 s.
    public var connectTimeout: Duration
    /// No bytes at all from the origin (heartbeat comments count) for this long: the connection is presumed
    /// dead and is replaced. Default: 60 s.
    public var readTimeout: Duration
    /// Largest upstream event (and line), enforced while its lines arrive; a larger one drops the connection
    /// (and reconnects). Default: 1 MiB.
    public var maxEventBytes: Int
    /// First reconnect delay, doubled per consecutive failure up to `reconnectMaximum` (the origin's
    /// `retry:` replaces it). Default: 1 s.
    public var reconnectInitial: Duration
    /// Longest reconnect delay, and the cap on the origin's `retry:`. Default: 30 s.
    public var reconnectMaximum: Duration

    public init(
        connectTimeout: Duration = .seconds(5),
        readTimeout: Duration = .seconds(60),
        maxEventBytes: Int = 1 << 20,
        reconnectInitial: Duration = .seconds(1),
        reconnectMaximum: Duration = .seconds(30)
    ) {
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.maxEventBytes = maxEventBytes
        self.reconnectInitial = reconnectInitial
        self.reconnectMaximum = reconnectMaximum
    }
}
