/// The pooled client's settings: how each connection is opened, how many, how reconnects back off.
public struct RedisClientConfiguration: Sendable {
    /// Address, TLS, credentials, timeouts and reply limits of every connection.
    public var connection: RedisConnectionConfiguration
    /// Pool connections for ordinary commands. Default 3: commands pipeline, so a few connections carry
    /// a node's publishes; more only spread the server-side parsing. Blocking readers are extra.
    public var poolSize: Int
    /// First reconnect delay after a failed attempt. Default 100 ms.
    public var reconnectInitial: Duration
    /// Longest reconnect delay. Default 5 s.
    public var reconnectMaximum: Duration

    public init(
        connection: RedisConnectionConfiguration,
        poolSize: Int = 3,
        reconnectInitial: Duration = .milliseconds(100),
        reconnectMaximum: Duration = .seconds(5)
    ) {
        self.connection = connection
        self.poolSize = max(1, poolSize)
        self.reconnectInitial = reconnectInitial
        self.reconnectMaximum = reconnectMaximum
    }
}
