import GatewayTLS

/// How to open one connection: the server's URL (address, TLS, credentials, database) and the limits
/// that keep a slow or hostile server from holding the gateway.
public struct RedisConnectionConfiguration: Sendable {
    /// Host, port, `rediss://` for TLS, user and password, database.
    public var url: RedisURL
    /// Verifies the server when `url.usesTLS`; nil for plain connections.
    public var tls: TLSClientContext?
    /// Bounds TCP connect, the TLS handshake, and the `HELLO`/`SELECT` answers, each. Default 2 s.
    public var connectTimeout: Duration
    /// While commands wait, the longest silence before the connection is declared dead and closed (their
    /// futures fail with `RedisConnectionError.replyTimedOut`); a blocking read adds its block time. nil
    /// waits for ever. Default 5 s: a publish should answer 503 rather than hang on a frozen server.
    public var replyTimeout: Duration?
    /// What one reply may contain (bulk size, element count, nesting).
    public var limits: RESPDecoder.Limits

    public init(
        url: RedisURL,
        tls: TLSClientContext? = nil,
        connectTimeout: Duration = .seconds(2),
        replyTimeout: Duration? = .seconds(5),
        limits: RESPDecoder.Limits = RESPDecoder.Limits()
    ) {
        self.url = url
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.replyTimeout = replyTimeout
        self.limits = limits
    }

    /// For `rediss://` URLs, builds the TLS context: the server's chain checked against `caFile` (PEM), or
    /// the system roots when nil, and its name against the URL's host. Plain URLs ignore `caFile`.
    public init(
        url: RedisURL,
        caFile: String?,
        connectTimeout: Duration = .seconds(2),
        replyTimeout: Duration? = .seconds(5),
        limits: RESPDecoder.Limits = RESPDecoder.Limits()
    ) throws(TLSError) {
        let tls = url.usesTLS ? try Self.tlsContext(caFile: caFile) : nil
        self.init(url: url, tls: tls, connectTimeout: connectTimeout, replyTimeout: replyTimeout, limits: limits)
    }

    /// A verifying client context without ALPN (Redis negotiates none).
    public static func tlsContext(caFile: String?) throws(TLSError) -> TLSClientContext {
        try TLSClientContext(alpnProtocols: [], trustRootsPath: caFile, verifyPeer: true)
    }
}
