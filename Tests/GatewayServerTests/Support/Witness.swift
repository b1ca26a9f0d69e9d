import GatewayTestSupport
import Foundation

/// The bystander of a defence test: one EventSource-like stream (curl over HTTP/2 and TLS, on a
/// connection of its own) that must keep receiving every event, in order, while an attack runs.
///
/// `start` subscribes and begins publishing numbered ticks on the trusted listener; `finish` stops
/// publishing and answers whether every tick arrived in order on a stream that is still open. A defence
/// that ends the attacker by starving, closing or slowing everyone else fails here.
final class Witness: @unchecked Sendable {  // the tick task is the only writer of `published`, read after it ends
    let channel: String
    private let gateway: TestGateway
    private let stream: ChildProcess
    private var ticker: Task<Int, Never>?

    private init(gateway: TestGateway, channel: String, stream: ChildProcess) {
        self.gateway = gateway
        self.channel = channel
        self.stream = stream
    }

    /// Subscribes the witness to `channel` over TLS and publishes a tick every `interval` until `finish`.
    static func start(_ gateway: TestGateway, channel: String = "witness", interval: Duration = .milliseconds(100)) async throws -> Witness {
        let stream = try ChildProcess("curl", [
            "-sS", "-N", "--http2", "--max-time", "600", "--cacert", gateway.caPath, "\(gateway.tlsURL)/events/\(channel)",
        ])
        let witness = Witness(gateway: gateway, channel: channel, stream: stream)
        guard await gateway.waitForSubscribers(channel, count: 1) else {
            stream.terminate()
            throw WitnessError.didNotSubscribe(stream.errorText)
        }
        witness.ticker = Task {
            var published = 0
            while !Task.isCancelled {
                if let answer = try? await gateway.publish(channel, body: "tick-\(published)"), answer.status == 200 {
                    published += 1
                }
                try? await Task.sleep(for: interval)
            }
            return published
        }
        return witness
    }

    /// The ticks received so far, in arrival order.
    var received: [Int] {
        stream.text.split(separator: "\n").compactMap { line in
            line.hasPrefix("data: tick-") ? Int(line.dropFirst("data: tick-".count)) : nil
        }
    }

    /// Stops publishing, publishes one last tick (so even a short attack is followed by a delivery that
    /// must arrive), waits for it, ends the stream and says what went wrong (nil: nothing).
    func finish(timeout: Duration = .seconds(10)) async -> String? {
        defer { stream.terminate() }
        ticker?.cancel()
        var published = await ticker?.value ?? 0
        guard let last = try? await gateway.publish(channel, body: "tick-\(published)"), last.status == 200 else {
            return "the witness could not publish after the attack"
        }
        published += 1
        let expected = Array(0..<published)
        _ = await stream.waitForOutput(timeout: timeout) { _ in self.received.count >= published }
        let received = received
        if !stream.isRunning { return "the witness stream ended: \(stream.errorText)" }
        if received != expected {
            return "the witness received \(received.count) of \(published) ticks, in this order: \(received.prefix(20))…"
        }
        return nil
    }

    enum WitnessError: Error { case didNotSubscribe(String) }
}
