import GatewayConfig
import Logging
import NIOEmbedded
import Testing

@testable import GatewayApp

/// The webhook queue's backoff rule, without a network.
struct WebhookQueueTests {
    private func queue(backoff: Duration) -> WebhookQueue {
        WebhookQueue(settings: WebhookSettings(url: "http://127.0.0.1:9/h", backoff: backoff), secret: nil,
                     loop: EmbeddedEventLoop(), logger: Logger(label: "test"))
    }

    @Test func backoffDoublesFromTheSecondAttemptAndIsCapped() {
        let queue = queue(backoff: .milliseconds(500))
        #expect((2...7).map { queue.delay(beforeAttempt: $0) } == [
            .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16),
        ])
        #expect(queue.delay(beforeAttempt: 8) == .seconds(30))
        #expect(queue.delay(beforeAttempt: 100) == .seconds(30))
    }
}
