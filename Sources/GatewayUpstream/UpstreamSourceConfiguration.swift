import GatewayTLS

/// Everything one `UpstreamSource` needs: where, with which headers, and its limits.
public struct UpstreamSourceConfiguration: Sendable {
    public var endpoint: UpstreamEndpoint
    /// Extra request headers (lowercase names), e.g. a client's `authorization` in per-client mode.
    public var headers: [(name: String, value: String)]
    /// Sent as `Last-Event-ID` on the first request; later requests send the last id received.
    public var lastEventID: String?
    /// Verifies the origin's chain and name; nil for `http://` origins.
    public var tls: TLSClientContext?
    /// The TCP connect must finish within this, and then the TLS handshake too. Default: 5 s.
    public var connectTimeout: Duration
    /// No bytes at all (heartbeat comments count) for this long: the connection is presumed dead. Default: 60 s.
    public var readTimeout: Duration
    /// Largest event (and line) accepted, enforced while an event's lines accumulate; a larger one ends
    /// the connection. Default: 1 MiB.
    public var maxEventBytes: Int
    /// First reconnect delay, doubled per consecutive failure up to `reconnectMaximum`. Default: 1 s.
    public var reconnectInitial: Duration
    /// Longest reconnect delay, and the cap on the origin's `retry:`. Default: 30 s.
    public var reconnectMaximum: Duration

    public init(
        endpoint: UpstreamEndpoint,
        headers: [(name: String, value: String)] = [],
        lastEventID: String? = nil,
        tls: TLSClientContext? = nil,
        connectTimeout: Duration = .seconds(5),
        readTimeout: Duration = .seconds(60),
        maxEventBytes: Int = 1 << 20,
        reconnectInitial: Duration = .seconds(1),
        reconnectMaximum: Duration = .seconds(30)
    ) {
        self.endpoint = endpoint
        self.headers = headers
        self.lastEventID = lastEventID
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.maxEventBytes = maxEventBytes
        self.reconnectInitial = reconnectInitial
        self.reconnectMaximum = reconnectMaximum
    }

    /// The TLS context for an origin: the system store, or `caFile` alone when given. ALPN offers `h2`
    /// first, then `http/1.1`.
    public static func tlsContext(caFile: String?) throws(TLSError) -> TLSClientContext {
        try TLSClientContext(alpnProtocols: ["h2", "http/1.1"], trustRootsPath: caFile)
    }
}
