import NIOCore
import NIOPosix

/// What the server lends the application for operating it, kept across reloads: the session registry
/// (admin API), the metrics registry, the reload hook, the webhook queues and the environment secrets
/// are read from. Every runtime snapshot is compiled with the same one.
public struct OperationsServices: Sendable {
    public var sessions: SessionRegistry
    public var metrics: MetricsExposition
    /// Re-reads the configuration and replaces the runtime (`POST <admin>/reload`).
    public var reload: ReloadHook
    public var webhooks: WebhookRegistry
    /// Where variables the config names (admin token, webhook secrets) are read from.
    public var environment: [String: String]

    public init(
        sessions: SessionRegistry = SessionRegistry(),
        metrics: MetricsExposition = MetricsExposition(),
        reload: @escaping ReloadHook = { throw ReloadUnavailable() },
        webhooks: WebhookRegistry? = nil,
        environment: [String: String] = [:]
    ) {
        self.sessions = sessions
        self.metrics = metrics
        self.reload = reload
        self.webhooks = webhooks ?? WebhookRegistry(group: MultiThreadedEventLoopGroup.singleton)
        self.environment = environment
    }
}

/// Re-reads the configuration and makes it current; throws (leaving the running one) when it cannot.
public typealias ReloadHook = @Sendable () async throws -> Void

/// The process was started without a configuration file to re-read (an embedded test server).
public struct ReloadUnavailable: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "this gateway was not started from a configuration file, so there is nothing to reload" }
}
