import GatewayHTTP
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
    private let hub: any HubEngine
    /// The source's loop: its reports arrive here, and publishes complete here.
    private let loop: any EventLoop
    private let url: String
    private let channel: String
    private let logger: Logger

    init(registry: UpstreamRegistry, hub: any HubEngine, loop: any EventLoop, url: String, channel: String, logger: Logger) {
        self.registry = registry
        self.hub = hub
        self.loop = loop
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
        if !published.isEmpty { publish(published) }
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
        if let event = try? ServerSentEvent(type: ControlEvent.streamError, data: Self.errorData(problem)) {
            publish([event])
        }
        hub.closeChannel(channel)
    }

    private func publish(_ events: [ServerSentEvent]) {
        hub.publish(events, to: channel, options: PublishOptions(), on: loop).whenFailure { [logger] error in
            logger.error("cannot publish upstream events", metadata: ["error": "\(error)", "events": "\(events.count)"])
        }
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
