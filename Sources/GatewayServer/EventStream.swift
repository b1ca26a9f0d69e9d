import GatewayHub
import GatewaySSE
import Logging
import NIOCore

/// The connection an event stream writes through: an HTTP/2 stream of a multiplexed connection, or a whole
/// HTTP/1.1 connection. Implementations live on one event loop.
protocol StreamConnection: AnyObject {
    /// Queues bytes on the stream (not yet written to the socket); returns the bytes now queued on it that
    /// the peer has not taken yet (the budget is checked against this).
    func enqueue(_ bytes: ByteBuffer, stream: Int32) -> Int
    /// Ends the stream at once because its client stopped reading (the budget is spent).
    func abortSlowStream(_ stream: Int32)
    /// Ends the stream cleanly once what is queued has gone out (max age, drain, the channel closed).
    func finishStream(_ stream: Int32)
    /// Asks for the queued bytes to be written; the loop batches these into one write per connection.
    func requestFlush()
}

/// One open `text/event-stream`: subscribed to its channels, replaying what the client missed, writing live
/// events, heartbeats when idle, and ended when its client falls more than the outbound budget behind.
///
/// Kept small on purpose: a million idle streams are a million of these. No timer of its own (the loop's
/// `HeartbeatWheel` visits it), no buffer of its own (bytes are references to shared event buffers).
final class EventStream: HubSubscriber {
    // The fields every delivery reads come first, so they share a cache line or two: with thousands of
    // streams per event, the cost of a delivery is mostly cache misses (stored properties are laid out in
    // declaration order).

    // `unowned(unsafe)`: read several times per delivery, and safe `unowned` pays an atomic check each
    // time. Both outlive the stream by construction: a connection handler ends all its streams when it
    // leaves the pipeline, and loop contexts live as long as the server.
    private unowned(unsafe) let connection: any StreamConnection
    private unowned(unsafe) let loop: LoopContext
    let streamID: Int32
    /// `plan.channels.count == 1`, kept here so a delivery does not load the plan's array.
    private let singleChannel: Bool
    private let outboundBudget: Int
    private(set) var endReason: EndReason?
    /// Replayed bytes raise the budget: they are references to history (no new memory), and a client
    /// catching up must not be ended for the size of what it asked to catch up on.
    private var replayAllowance = 0
    /// Heartbeat-wheel tick of the last write, so an active stream sends no heartbeat.
    var lastWriteTick: Int64 = 0
    private(set) var eventsSent = 0
    private(set) var bytesSent = 0

    let plan: EventStreamPlan
    let openedAt: NIODeadline
    private var subscriptions: [HubSubscription] = []
    /// Multi-channel streams only: each of their events gets an id naming every channel's position. A
    /// single-channel stream's events carry their own id, so it keeps none (a dictionary and an array
    /// less per stream: an idle stream's memory is what a million streams cost).
    private var position: StreamPosition?
    /// Per-client upstream mode: the source feeding this stream instead of a hub channel.
    var upstreamFeed: UpstreamClientFeed?
    private(set) var gapsReported = 0

    enum EndReason: String {
        case clientClosed = "client_closed"
        case slowConsumer = "slow_consumer"
        case draining
        case maxAge = "max_age"
        case serverClosed = "server_closed"
    }

    init(connection: any StreamConnection, loop: LoopContext, streamID: Int32, plan: EventStreamPlan) {
        self.connection = connection
        self.loop = loop
        self.streamID = streamID
        self.singleChannel = plan.channels.count == 1
        self.outboundBudget = plan.outboundBudget
        self.plan = plan
        self.openedAt = .now()
    }

    var isOpen: Bool { endReason == nil }

    /// Opens the stream: joins every channel at its start position, then writes the opening comment and
    /// `retry:` hint, the optional `stream-open` event, the stream's position, each channel's gap (if any)
    /// and replay; live events follow. Flushed at once: browsers fire `open` on the first bytes, and
    /// proxies see the stream is alive. All of it runs in one loop task, so no live event can slip between.
    func start(hub: Hub) {
        if let upstream = plan.upstream {
            // Per-client upstream: the origin's own ids pass through, so no position of ours is written.
            write(opening(position: nil))
            startUpstream(upstream, loop: loop.eventLoop)
            joinWheel()
            return
        }
        let starts = startPositions()
        var position = StreamPosition(channels: plan.channels)
        var gaps: [HistoryGap] = []
        var replay: [(channel: String, event: EncodedEvent)] = []
        for channel in position.channels {
            let result = hub.subscribe(self, to: channel, session: plan.session, on: loop.eventLoop, from: starts[channel] ?? .live, limits: plan.historyLimits)
            subscriptions.append(result.subscription)
            position.advance(channel, to: result.position)
            if let gap = result.gap { gaps.append(gap) }
            replay += result.replay.map { (channel, $0) }
        }
        write(opening(position: position))
        for gap in gaps { writeGap(gap, position: position) }
        if !singleChannel { self.position = position }
        // Channels interleaved as they were published; within a channel, sequence order.
        replay.sort { $0.event.publishedAt < $1.event.publishedAt }
        for (channel, event) in replay {
            replayAllowance += event.byteCount + 64
            deliver(event, channel: channel)
        }
        joinWheel()
    }

    /// The opening comment, `retry:` hint, optional `stream-open` event, and the stream's position.
    private func opening(position: StreamPosition?) -> ByteBuffer {
        var opening = EventStreamEncoder.comment("ok")
        var retry = EventStreamEncoder.retry(milliseconds: plan.retryMilliseconds)
        opening.writeBuffer(&retry)
        if plan.streamOpenEvent {
            var open = EventStreamEncoder.encode(try! ServerSentEvent(type: "stream-open", data: #"{"session":"\#(plan.session)"}"#), id: nil)
            opening.writeBuffer(&open)
        }
        if let position {
            // `id:` with no data: browsers take it as their last event id without dispatching anything
            // (WHATWG HTML §9.2.6, "dispatch the event" step 1), so a client that drops before its first
            // event still resumes from here instead of reconnecting live-only and missing what came between.
            EventStreamEncoder.writeField("id", position.description, into: &opening)
            opening.writeStaticString("\n")
        }
        return opening
    }

    /// Heartbeats and the age limit come from the loop's wheel: no timer per stream.
    private func joinWheel() {
        loop.heartbeats.add(self, interval: plan.heartbeat)
        if let maxAge = plan.maxAge { loop.heartbeats.expire(self, after: maxAge) }
    }

    /// The hub position to start each channel from, given what the client sent.
    private func startPositions() -> [String: StartPosition] {
        guard let id = plan.lastEventID else {
            let start: StartPosition = plan.replayLast.map { .last($0) } ?? .live
            return Dictionary(uniqueKeysWithValues: plan.channels.map { ($0, start) })
        }
        switch StreamPosition.parse(id, channels: plan.channels) {
        case .earliest:
            return Dictionary(uniqueKeysWithValues: plan.channels.map { ($0, .earliest) })
        case .malformed:
            return Dictionary(uniqueKeysWithValues: plan.channels.map { ($0, .malformed) })
        case .cursors(let cursors):
            return cursors.mapValues { .after($0) }
        }
    }

    func receive(_ event: EncodedEvent, channel: String) {
        guard isOpen else { return }
        deliver(event, channel: channel)
    }

    private func deliver(_ event: EncodedEvent, channel: String) {
        eventsSent += 1
        if singleChannel {
            // The shared bytes already carry this stream's id (the channel's cursor): no bookkeeping on
            // the path every event takes for every stream.
            write(event.wire)
        } else {
            position!.advance(channel, to: event.cursor)
            // The shared bytes carry one channel's cursor; this stream's id names every channel's position.
            var idLine = ByteBuffer()
            EventStreamEncoder.writeField("id", position!.description, into: &idLine)
            write(idLine, event.body)
        }
    }

    /// `stream-gap`: what could not be replayed, in-band, with the position the stream continues from,
    /// so the app can refetch state instead of silently missing events.
    private func writeGap(_ gap: HistoryGap, position: StreamPosition) {
        var members: [(String, JSONValue)] = [("channel", .string(gap.channel)), ("reason", .string(gap.reason.rawValue))]
        if let missed = gap.missed {
            members.append(("missed", .object([
                ("first", .string(missed.lowerBound.description)),
                ("last", .string(missed.upperBound.description)),
                ("count", .int(Int(missed.upperBound.sequence - missed.lowerBound.sequence + 1))),
            ])))
        }
        let event = try! ServerSentEvent(type: "stream-gap", data: JSONValue.object(members).text)
        gapsReported += 1
        write(EventStreamEncoder.encode(event, id: position.description))
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

    /// Called by the heartbeat wheel when the stream reaches its age limit: a clean end, after which the
    /// client reconnects with its last id and resumes exactly.
    func reachedMaxAge() {
        guard isOpen else { return }
        end(.maxAge)
        connection.finishStream(streamID)
        connection.requestFlush()
    }

    private func write(_ bytes: ByteBuffer, _ more: ByteBuffer? = nil) {
        let size = bytes.readableBytes + (more?.readableBytes ?? 0)
        var queued = connection.enqueue(bytes, stream: streamID)
        if let more { queued = connection.enqueue(more, stream: streamID) }
        if queued > outboundBudget + replayAllowance {
            // The client stopped reading: end the stream rather than buffer without bound (what was just
            // queued is dropped with the rest). It reconnects and resumes from history (`Last-Event-ID`),
            // so nothing is lost.
            end(.slowConsumer)
            connection.abortSlowStream(streamID)
            return
        }
        bytesSent += size
        lastWriteTick = loop.heartbeats.tick
        connection.requestFlush()
    }

    /// Leaves the channels. Idempotent; the first reason is kept for the access log.
    func end(_ reason: EndReason) {
        guard endReason == nil else { return }
        endReason = reason
        for subscription in subscriptions { subscription.cancel() }
        subscriptions.removeAll()
        upstreamFeed?.stop()
        upstreamFeed = nil
    }

    /// The access log line's fields for this stream, the same for every protocol.
    func accessLogMetadata(protocol name: String) -> Logger.Metadata {
        [
            "protocol": "\(name)", "channel": "\(plan.channelLabel)", "session": "\(plan.session)",
            "reason": "\(endReason?.rawValue ?? "unknown")", "events": "\(eventsSent)", "gaps": "\(gapsReported)",
            "bytes": "\(bytesSent)", "seconds": "\((NIODeadline.now() - openedAt).nanoseconds / 1_000_000_000)",
        ]
    }
}
