import GatewayConfig
import GatewayHub
import GatewayHubRedis
import GatewayRedis
import Logging
import NIOCore

/// Builds the engine the configuration names when it is not the memory one, and logs what it reports
/// (the engine itself never logs).
enum EngineFactory {
    /// The Redis engine: URL from the config, password from the named variable, TLS from the CA file,
    /// history defaults and idempotency TTL from their sections.
    static func redis(_ configuration: GatewayConfiguration, environment: [String: String], eventLoop: any EventLoop, statistics: HubStatistics,
                      logger: Logger) throws -> RedisEngine {
        let settings = configuration.engine
        guard var url = settings.redisURL else { throw EngineSetupError("engine.url is required when engine.type is redis") }
        if let variable = settings.passwordEnvironmentVariable {
            guard let password = environment[variable], !password.isEmpty else {
                throw EngineSetupError("engine.password_env names \(variable), which is not set")
            }
            url.password = password
        }
        let connection = try RedisConnectionConfiguration(url: url, caFile: settings.caFile)
        let engineConfiguration = RedisEngineConfiguration(
            client: RedisClientConfiguration(connection: connection),
            keyPrefix: settings.keyPrefix,
            defaultLimits: configuration.history.limits,
            idempotencyTTL: configuration.publish.idempotencyTTL
        )
        logger.notice("hub engine: redis", metadata: ["redis": "\(url.host):\(url.port)", "tls": "\(url.usesTLS)", "key_prefix": "\(settings.keyPrefix)"])
        return RedisEngine(configuration: engineConfiguration, eventLoop: eventLoop, statistics: statistics) { event in
            switch event {
            case .readerFailed(let error, let failures):
                logger.warning("redis reader lost; retrying with backoff, streams stay open", metadata: ["error": "\(error)", "failures": "\(failures)"])
            case .readerResumed(let channels):
                logger.notice("redis reader resumed each channel from its last delivered id", metadata: ["channels": "\(channels)"])
            case .epochChanged(let channel, let from, let to):
                logger.warning("channel began a new life in redis; its streams end and resume with an epoch_changed gap",
                               metadata: ["channel": "\(channel)", "from": "\(from)", "to": "\(to.map(String.init) ?? "none")"])
            case .fellBehind(let channel, let missed):
                logger.warning("redis trimmed events this node had not read; the channel's streams end and resume with an evicted gap",
                               metadata: ["channel": "\(channel)", "missed_first": "\(missed.lowerBound)", "missed_last": "\(missed.upperBound)"])
            }
        }
    }
}

/// The engine the configuration names cannot be set up (a missing secret, say).
struct EngineSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
