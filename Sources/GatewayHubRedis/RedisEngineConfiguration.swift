import GatewayHub
import GatewayRedis

/// The Redis engine's settings.
public struct RedisEngineConfiguration: Sendable {
    /// The pooled client (address, TLS, password, pool size, reconnect backoff).
    public var client: RedisClientConfiguration
    /// Prefix of every key the engine writes, so several gateways (or other data) can share a Redis.
    /// Default `ssegate`.
    public var keyPrefix: String
    /// History limits for channels whose route names none.
    public var defaultLimits: HistoryLimits
    /// How long an idempotency key holds the first publish's answer. Default 600 s.
    public var idempotencyTTL: Duration
    /// The longest one blocked `XREAD` waits before it is re-issued: a safety net behind `CLIENT
    /// UNBLOCK`, and the cadence of the idle checks below. Default 2 s.
    public var readBlock: Duration
    /// How often an idle reader checks that its channels' lives (epochs) are still Redis's. Default 5 s.
    public var checkInterval: Duration

    public init(
        client: RedisClientConfiguration,
        keyPrefix: String = "ssegate",
        defaultLimits: HistoryLimits = HistoryLimits(),
        idempotencyTTL: Duration = .seconds(600),
        readBlock: Duration = .seconds(2),
        checkInterval: Duration = .seconds(5)
    ) {
        self.client = client
        self.keyPrefix = keyPrefix
        self.defaultLimits = defaultLimits
        self.idempotencyTTL = idempotencyTTL
        self.readBlock = readBlock
        self.checkInterval = checkInterval
    }
}
