import GatewaySSE
import GatewayUpstream
import Logging
import NIOCore

/// What a per-client upstream stream needs: the source's configuration (the client's forwarded headers
/// and `Last-Event-ID` already in it) and the connection slot it holds. A class: an `EventStreamPlan` (so
/// every `EventStream`) carries it inline otherwise, a few hundred bytes per stream that hub streams never
/// use. A plan dropped before its stream opens frees its slot with it (`UpstreamSlot`).
final class UpstreamClientPlan: Sendable {
    let configuration: UpstreamSourceConfiguration
    let slot: UpstreamSlot
    let logger: Logger

    init(configuration: UpstreamSourceConfiguration, slot: UpstreamSlot, logger: Logger) {
        self.configuration = configuration
        self.slot = slot
        self.logger = logger
    }
}

/// Feeds one client's `EventStream` from its own upstream source, on the stream's event loop.
///
/// The origin's ids pass through unchanged, so the client's next `Last-Event-ID` means something to the
/// origin (it is forwarded on reconnect). No hub channel and no history: the origin is the history.
///
/// `@unchecked Sendable`: every member is only touched on `loop` (the source reports there, the stream
/// lives there, `stop` checks it).
final class UpstreamClientFeed: UpstreamSink, @unchecked Sendable {
    private weak var stream: ChannelStream?
    private let loop: any EventLoop
    private let slot: UpstreamSlot
    private let logger: Logger
    private var source: UpstreamSource?

    init(stream: ChannelStream, plan: UpstreamClientPlan, loop: any EventLoop) {
        self.stream = stream
        self.loop = loop
        self.slot = plan.slot
        var logger = plan.logger
        logger[metadataKey: "upstream"] = "\(plan.configuration.endpoint)"
        self.logger = logger
        let source = UpstreamSource(configuration: plan.configuration, eventLoop: loop, sink: self)
        self.source = source
        source.start()
    }

    /// The client's stream ended: close the upstream and give back the connection slot. Idempotent.
    func stop() {
        loop.preconditionInEventLoop()
        source?.stop()
        source = nil
        slot.release()
    }

    func upstreamReceived(_ events: [UpstreamEvent]) {
        guard let stream else { return }
        // The origin's ids pass through: the client's next Last-Event-ID is for the origin.
        let sendable = UpstreamReports.sendable(events, logger: logger)
        var bytes = ByteBuffer()
        for (event, id) in sendable {
            var encoded = EventStreamEncoder.encode(event, id: id.isEmpty ? nil : id)
            bytes.writeBuffer(&encoded)
        }
        if bytes.readableBytes > 0 { stream.deliverUpstream(bytes, events: sendable.count) }
    }

    func upstreamStateChanged(_ change: UpstreamStateChange) {
        UpstreamReports.log(change, logger: logger, perClient: true)
    }

    /// A final answer: tell the client with `stream-error` and end its stream.
    func upstreamFailed(_ problem: UpstreamProblem) {
        logger.warning("per-client upstream refused the stream", metadata: ["reason": "\(problem)"])
        guard let stream else { return }
        stream.deliverUpstream(EventStreamEncoder.encode(UpstreamReports.errorEvent(problem), id: nil), events: 1)
        stream.finish(.serverClosed)
    }
}
