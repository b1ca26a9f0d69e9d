import GatewayRouting
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
    /// Timeouts, size limit and reconnect delays (the route's own settings value).
    public var connection: UpstreamConnectionSettings

    public var connectTimeout: Duration { connection.connectTimeout }
    public var readTimeout: Duration { connection.readTimeout }
    public var maxEventBytes: Int { connection.maxEventBytes }
    public var reconnectInitial: Duration { connection.reconnectInitial }
    public var reconnectMaximum: Duration { connection.reconnectMaximum }

    public init(
        endpoint: UpstreamEndpoint,
        headers: [(name: String, value: String)] = [],
        lastEventID: String? = nil,
        tls: TLSClientContext? = nil,
        connection: UpstreamConnectionSettings = .init()
    ) {
        self.endpoint = endpoint
        self.headers = headers
        self.lastEventID = lastEventID
        self.tls = tls
        self.connection = connection
    }

    /// The TLS context for an origin: the system store, or `caFile` alone when given. ALPN offers `h2`
    /// first, then `http/1.1`.
    public static func tlsContext(caFile: String?) throws(TLSError) -> TLSClientContext {
        try TLSClientContext(alpnProtocols: ["h2", "http/1.1"], trustRootsPath: caFile)
    }
}
