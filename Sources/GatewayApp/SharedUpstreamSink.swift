import GatewayHTTP
import GatewayHub
import GatewaySSE
import GatewayUpstream
import Logging
import NIOCore

/// Carries one shared upstream's reports into the gateway: events into the hub channel (the gateway
/// assigns its own cursors, so subscribers replay and resume as on internal channels), state changes
/// into the log, and a final answer into the registry (cool-down) and ended streams.
///
/// The final answer's `stream-error` is not published into the channel: history would keep it for its
/// TTL and replay it to later subscribers long after the origin recovered. Each stream open at the time
/// writes it itself as the channel closes (`ChannelStream.channelClosed`, from `UpstreamRegistry.failure`);
/// later subscribers get the registry's current answer (502 during the cool-down, the live stream after).
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
        // The gateway assigns its own cursors: the origin's ids are not kept.
        let published = UpstreamReports.sendable(events, logger: logger).map(\.event)
        if !published.isEmpty { publish(published) }
    }

    func upstreamStateChanged(_ change: UpstreamStateChange) {
        UpstreamReports.log(change, logger: logger, perClient: false)
    }

    func upstreamFailed(_ problem: UpstreamProblem) {
        logger.error("upstream refused the stream; not reconnecting", metadata: ["reason": "\(problem)"])
        // Recorded before the close, so every stream the close reaches finds it.
        registry?.failed(url: url, problem: problem)
        hub.closeChannel(channel)
    }

    private func publish(_ events: [ServerSentEvent]) {
        hub.publish(events, to: channel, options: PublishOptions(), on: loop).whenFailure { [logger] error in
            logger.error("cannot publish upstream events", metadata: ["error": "\(error)", "events": "\(events.count)"])
        }
    }

}
