import GatewayHub
import GatewaySSE
import GatewayUpstream
import Logging
import NIOCore

/// Carries one shared upstream's reports into the gateway: events into the hub channel (the gateway
/// assigns its own cursors, so subscribers replay and resume as on internal channels), state changes
/// into the log, and a final answer into a `stream-error` event, ended streams and the registry.
final class SharedUpstreamSink: UpstreamSink {
    private weak let registry: UpstreamRegistry?
    private let hub: Hub
    private let url: String
    private let channel: String
    private let logger: Logger

    init(registry: UpstreamRegistry, hub: Hub, url: String, channel: String, logger: Logger) {
        self.registry = registry
        self.hub = hub
        self.url = url
        self.channel = channel
        var logger = logger
        logger[metadataKey: "upstream"] = "\(url)"
        self.logger = logger
    }

    func upstreamReceived(_ events: [UpstreamEvent]) {
        var published: [ServerSentEvent] = []
        published.reserveCapacity(events.count)
        for event in events {
            do {
                // The origin's type is kept; its id is not (the gateway's cursor replaces it).
                published.append(try ServerSentEvent(type: event.type == "message" ? nil : event.type, data: event.data))
            } catch {
                logger.warning("dropping an upstream event the gateway cannot send", metadata: ["error": "\(error)", "upstream_id": "\(event.id)"])
            }
        }
        if !published.isEmpty { _ = hub.publish(published, to: channel) }
    }

    func upstreamStateChanged(_ change: UpstreamStateChange) {
        switch change {
        case .streaming(let version):
            logger.info("upstream connected", metadata: ["protocol": "\(version)"])
        case .reconnecting(let problem, let delay):
            // Subscribers stay open on heartbeats meanwhile; events resume from the last upstream id.
            logger.warning("upstream lost; reconnecting", metadata: ["reason": "\(problem)", "retry_ms": "\(Int(delay / .milliseconds(1)))"])
        }
    }

    func upstreamFailed(_ problem: UpstreamProblem) {
        logger.error("upstream refused the stream; not reconnecting", metadata: ["reason": "\(problem)"])
        registry?.failed(url: url, problem: problem)
        if let event = try? ServerSentEvent(type: "stream-error", data: Self.errorData(problem)) {
            _ = hub.publish([event], to: channel)
        }
        hub.closeChannel(channel)
    }

    /// `{"status":404,"reason":"…"}`: what a client's `stream-error` listener gets.
    static func errorData(_ problem: UpstreamProblem) -> String {
        var buffer = ByteBuffer()
        JSONValue.object([
            ("status", problem.status.map { .int($0) } ?? .null),
            ("reason", .string(problem.description)),
        ]).write(into: &buffer)
        return String(buffer: buffer)
    }
}
