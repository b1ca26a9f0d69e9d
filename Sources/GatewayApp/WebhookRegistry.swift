import GatewayConfig
import Logging
import NIOCore
import Synchronization

/// The server's webhook queues, one per receiver configuration, kept across reloads: a reload that keeps
/// a route's `webhook:` keeps its queue (and what waits in it).
public final class WebhookRegistry: Sendable {
    private struct Key: Hashable {
        let settings: WebhookSettings
        let secret: String?
    }

    private let group: any EventLoopGroup
    private let logger: Logger
    private let queues = Mutex<[Key: WebhookQueue]>([:])

    /// `logger` gets one line when a receiver starts failing and one when it answers again.
    public init(group: any EventLoopGroup, logger: Logger = Logger(label: "ssegate.webhook")) {
        self.group = group
        self.logger = logger
    }

    /// The queue for `settings`, with its secret read from `environment`.
    func queue(for settings: WebhookSettings, environment: [String: String]) -> WebhookQueue {
        let secret = settings.secretEnvironmentVariable.flatMap { environment[$0] }.flatMap { $0.isEmpty ? nil : $0 }
        let key = Key(settings: settings, secret: secret)
        return queues.withLock { queues in
            if let queue = queues[key] { return queue }
            let queue = WebhookQueue(settings: settings, secret: secret, loop: group.next(), logger: logger)
            queues[key] = queue
            return queue
        }
    }
}
