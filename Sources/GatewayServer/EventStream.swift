import GatewayHub
import GatewaySSE
import NIOCore

/// The connection an event stream writes through: an HTTP/2 stream of a multiplexed connection, or a whole
/// HTTP/1.1 connection. Implementations live on one event loop.
protocol StreamConnection: AnyObject {
    /// Queues bytes on the stream (not yet written to the socket).
    func enqueue(_ bytes: ByteBuffer, stream: Int32)
    /// Bytes queued on the stream that the peer has not taken yet.
    func queuedBytes(stream: Int32) -> Int
    /// Ends the stream at once because its client stopped reading (the budget is spent).
    func abortSlowStream(_ stream: Int32)
    /// Ends the stream cleanly after what is queued (the server closed its channel).
    func finishStream(_ stream: Int32)
    /// Asks for the queued bytes to be written; the loop batches these into one write per connection.
    func requestFlush()
}

/// One open `text/event-stream`: subscribed to a channel, writing its events, heartbeats when idle, and
/// ended when its client falls more than the outbound budget behind.
///
/// Kept small on purpose: a million idle streams are a million of these. No timer of its own (the loop's
/// `HeartbeatWheel` visits it), no buffer of its own (bytes are references to shared event buffers).
final class EventStream: HubSubscriber {
    private unowned let connection: any StreamConnection
    private unowned let loop: LoopContext
    let streamID: Int32
    let plan: EventStreamPlan
    let openedAt: NIODeadline
    private var subscription: HubSubscription?
    /// Per-client upstream mode: the source feeding this stream instead of a hub channel.
    var upstreamFeed: UpstreamClientFeed?
    /// Heartbeat-wheel tick of the last write, so an active stream sends no heartbeat.
    var lastWriteTick: Int64 = 0
    private(set) var eventsSent = 0
    private(set) var bytesSent = 0
    private(set) var endReason: EndReason?

    enum EndReason: String {
        case clientClosed = "client_closed"
        case slowConsumer = "slow_consumer"
        case draining
        case serverClosed = "server_closed"
    }

    init(connection: any StreamConnection, loop: LoopContext, streamID: Int32, plan: EventStreamPlan) {
        self.connection = connection
        self.loop = loop
        self.streamID = streamID
        self.plan = plan
        self.openedAt = .now()
    }

    var isOpen: Bool { endReason == nil }

    /// Sends the opening comment and `retry:` hint, joins the channel live and the loop's heartbeat wheel.
    /// Flushed at once: browsers fire `open` on the first bytes, and proxies see the stream is alive.
    func start(hub: Hub) {
        var opening = EventStreamEncoder.comment("ok")
        var retry = EventStreamEncoder.retry(milliseconds: plan.retryMilliseconds)
        opening.writeBuffer(&retry)
        write(opening)
        if let upstream = plan.upstream {
            startUpstream(upstream, loop: loop.eventLoop)
        } else {
            subscription = hub.subscribe(self, to: plan.channel, on: loop.eventLoop)
        }
        loop.heartbeats.add(self, interval: plan.heartbeat)
    }

    func receive(_ event: EncodedEvent, channel: String) {
        guard isOpen else { return }
        eventsSent += 1
        write(event.wire)
    }

    /// The channel closed (its upstream refused the stream): end cleanly; the client's reconnect is
    /// answered by the route (502 while the upstream is failed).
    func channelClosed(_ channel: String) {
        guard isOpen else { return }
        end(.serverClosed)
        connection.finishStream(streamID)
    }

    /// Bytes of whole events from a per-client upstream (ids are the origin's).
    func deliverUpstream(_ bytes: ByteBuffer, events: Int) {
        guard isOpen else { return }
        eventsSent += events
        write(bytes)
    }

    /// Called by the heartbeat wheel when the stream has been quiet for its interval.
    func sendHeartbeat() {
        guard isOpen else { return }
        write(Self.heartbeat)
    }

    private static let heartbeat = EventStreamEncoder.comment()

    private func write(_ bytes: ByteBuffer) {
        if connection.queuedBytes(stream: streamID) + bytes.readableBytes > plan.outboundBudget {
            // The client stopped reading: end the stream rather than buffer without bound. It reconnects
            // and resumes from history (`Last-Event-ID`), so nothing is lost.
            end(.slowConsumer)
            connection.abortSlowStream(streamID)
            return
        }
        connection.enqueue(bytes, stream: streamID)
        bytesSent += bytes.readableBytes
        lastWriteTick = loop.heartbeats.tick
        connection.requestFlush()
    }

    /// Leaves the channel. Idempotent; the first reason is kept for the access log.
    func end(_ reason: EndReason) {
        guard endReason == nil else { return }
        endReason = reason
        subscription?.cancel()
        subscription = nil
        upstreamFeed?.stop()
        upstreamFeed = nil
    }
}
