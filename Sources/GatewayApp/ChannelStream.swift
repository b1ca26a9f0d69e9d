import GatewayHTTP
import GatewayHub
import GatewaySSE
import Logging
import NIOCore

/// One open `text/event-stream`: subscribed to its channels, replaying what the client missed, writing live
/// events, heartbeats when idle, and ended when its client falls more than the outbound budget behind.
///
/// Kept small on purpose: a million idle streams are a million of these. No timer of its own (the loop's
/// `HeartbeatWheel` visits it), no buffer of its own (bytes are references to shared event buffers), and
/// what every stream of a route shares lives once in its `StreamRoute`.
final class ChannelStream: HubSubscriber, ResponseStream, TimedStream {
    // The fields every delivery reads come first, so they share a cache line or two: with thousands of
    // streams per event, the cost of a delivery is mostly cache misses (stored properties are laid out in
    // declaration order).
    private var writer: StreamWriter
    /// `plan.channels.count == 1`, kept here so a delivery does not load the plan's array.
    private let singleChannel: Bool
    private(set) var endReason: StreamEndReason?
    /// A stall check for this stream is on the wheel (beside the flags above, in their padding: no
    /// memory per stream).
    private var stallWatched = false
    /// Still joining its channels: live events are held (in `side`) until the replay is written.
    private var joining = true
    private(set) var eventsSent = 0

    /// `var` only so a single-channel stream can swap its channel list for the feed's shared one once joined.
    private(set) var plan: EventStreamPlan
    /// The token-expiry warning has its wheel entry (`StreamAuthExpiry`). Right after the plan, in the tail
    /// its one-byte last field leaves before the next 8-byte one (beside the flags above it would not fit).
    private var authWarningArmed = false
    let openedAt: NIODeadline
    private var subscriptions = StreamSubscriptions.none
    /// The multi-channel position, events held while joining, a per-client upstream feed, gap counts:
    /// made the first time one is needed. A single-channel stream's events carry their own id, so it keeps
    /// no position (a dictionary and an array less per stream: an idle stream's memory is what a million
    /// streams cost).
    private var side: StreamSideState?

    /// The writer's loop services (not stored twice: 8 bytes per stream).
    var loop: LoopServices { writer.loopServices }
    /// For the hub: events published to some sessions reach this stream when its session is one of them.
    var session: String? { plan.session }
    private(set) var gapsReported: Int {
        get { side?.gapsReported ?? 0 }
        set { sideState.gapsReported = newValue }
    }
    private var sideState: StreamSideState {
        if let side { return side }
        let made = StreamSideState()
        side = made
        return made
    }

    init(writer: StreamWriter, plan: EventStreamPlan) {
        self.writer = writer
        self.singleChannel = plan.channels.count == 1
        self.plan = plan
        self.openedAt = .now()
    }

    var isOpen: Bool { endReason == nil }
    var lastWriteTick: Int64 { writer.lastWriteTick }

    /// Opens the stream: joins every channel at its start position, then writes the opening comment and
    /// `retry:` hint, the optional `stream-open` event, the stream's position, each channel's gap (if any)
    /// and replay; live events follow. Flushed at once: browsers fire `open` on the first bytes, and
    /// proxies see the stream is alive. With the memory engine all of it runs in one loop task.
    func start() {
        plan.route.operations.streamStarted(self)
        writer.lastWriteTick = loop.heartbeats.tick
        if let upstream = plan.upstream {
            // Per-client upstream: the origin's own ids pass through, so no position of ours is written.
            joining = false
            write(opening(position: nil))
            sideState.upstreamFeed = UpstreamClientFeed(stream: self, plan: upstream, loop: loop.eventLoop)
            joinWheel()
            return
        }
        let starts = startPositions()
        let joins = plan.channels.map { channel in
            plan.route.engine.subscribe(self, to: channel, on: loop.eventLoop, from: starts[channel] ?? .live, limits: plan.route.historyLimits)
        }
        EventLoopFuture.whenAllComplete(joins, on: loop.eventLoop).assumeIsolated().whenSuccess { results in
            self.joined(results)
        }
    }

    private func joined(_ results: [Result<SubscribeResult, any Error>]) {
        var position = StreamPosition(channels: plan.channels)
        var gaps: [HistoryGap] = []
        var replay: [(channel: String, event: EncodedEvent)] = []
        for (channel, result) in zip(plan.channels, results) {
            guard case .success(let joined) = result else { continue }
            subscriptions.append(joined.subscription)
            position.advance(channel, to: joined.position)
            if let gap = joined.gap { gaps.append(gap) }
            replay += joined.replay.map { (channel, $0) }
        }
        guard isOpen else {
            end(endReason ?? .clientClosed)  // ended while joining: leave what was joined
            return
        }
        guard subscriptions.count == plan.channels.count else {
            // An engine could not join a channel (its store is down): end with the retry hint, the client
            // comes back and joins again.
            write(opening(position: nil))
            finish(.serverClosed)
            return
        }
        write(opening(position: position))
        for gap in gaps { writeGap(gap, position: position) }
        if !singleChannel { sideState.position = position }
        shareChannelList()
        // Channels interleaved as they were published; within a channel, sequence order.
        replay.sort { $0.event.publishedAt < $1.event.publishedAt }
        for (channel, event) in replay {
            writer.allowReplay(of: event.byteCount + 64)
            deliver(event, channel: channel)
        }
        let held = side?.heldLive ?? []
        side?.heldLive = []
        joining = false
        for (event, channel) in held { receive(event, channel: channel) }
        joinWheel()
    }

    /// The opening comment, `retry:` hint, optional `stream-open` event (`{"session","connection","protocol"}`:
    /// streams naming the same connection share one socket), and the stream's position.
    private func opening(position: StreamPosition?) -> ByteBuffer {
        var opening = EventStreamEncoder.comment("ok")
        var retry = EventStreamEncoder.retry(milliseconds: plan.retryMilliseconds)
        opening.writeBuffer(&retry)
        if plan.route.streamOpenEvent {
            let connection = plan.start?.connection ?? 0
            let applicationProtocol = plan.start?.applicationProtocol.rawValue ?? ""
            var open = EventStreamEncoder.encode(try! ServerSentEvent(type: ControlEvent.streamOpen, data: #"{"session":"\#(plan.session)","connection":\#(connection),"protocol":"\#(applicationProtocol)"}"#), id: nil)
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

    /// A single-channel stream's list and name were copied out of its request (a 48-byte array and, past 15
    /// UTF-8 bytes, a 64-byte string); the feed holds the same name as a list every subscriber can share,
    /// so take that one and let the request's copies go. Checked for equality: the list is what the access
    /// log, webhooks and the admin API show.
    private func shareChannelList() {
        guard singleChannel, let shared = subscriptions.single?.channelAsList, shared == plan.channels else { return }
        plan.channels = shared
    }

    /// Heartbeats and the age limit come from the loop's wheel: no timer per stream. The last step of a
    /// start, so what only the start reads goes here.
    private func joinWheel() {
        guard isOpen else { return }
        loop.heartbeats.add(self, interval: plan.route.heartbeat)
        if let maxAge = plan.start?.maxAge { loop.heartbeats.expire(self, after: maxAge) }
        armAuthWarning()
        plan.started()
    }

    /// Gives the token-expiry warning its wheel entry once it is due before the next heartbeat visit could
    /// come (visits are at most one interval apart; two ticks more cover the wheel's rounding).
    private func armAuthWarning() {
        guard !authWarningArmed, let expiry = plan.authExpiry else { return }
        authWarningArmed = expiry.armWarning(self, on: loop.heartbeats, within: plan.route.heartbeat + .seconds(2))
    }

    /// The hub position to start each channel from, given what the client sent.
    private func startPositions() -> [String: StartPosition] {
        guard let id = plan.lastEventID else {
            let start: StartPosition = plan.route.replayLast.map { .last($0) } ?? .live
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

    // MARK: HubSubscriber

    func receive(_ event: EncodedEvent, channel: String) {
        guard isOpen else { return }
        guard !joining else {
            sideState.heldLive.append((event, channel))
            return
        }
        deliver(event, channel: channel)
    }

    /// The channel closed (its upstream refused the stream, or an operator closed it): end cleanly after
    /// a fresh `retry:` hint, so the client waits that long before it reconnects; the reconnect is answered
    /// by the route (502 while the upstream is failed).
    func channelClosed(_ channel: String) {
        // A shared upstream's final answer reaches only the streams open now (never kept in history).
        if isOpen, let problem = plan.route.upstreams?.failure(channel: channel) {
            write(EventStreamEncoder.encode(UpstreamReports.errorEvent(problem), id: nil))
        }
        endWithRetryHint()
    }

    /// The fan-out delivers to this stream next: have the connection start loading the stream's state.
    /// Only while open, as `receive`: an ended stream's writer must not reach its connection.
    func prepareForDelivery() {
        guard isOpen else { return }
        writer.prepareWrite()
    }

    /// Ends the stream from the server's side with the `retry:` hint first (channel closed, session evicted).
    func endWithRetryHint() {
        guard isOpen else { return }
        write(EventStreamEncoder.retry(milliseconds: plan.retryMilliseconds))
        finish(.serverClosed)
    }

    private func deliver(_ event: EncodedEvent, channel: String) {
        eventsSent += 1
        if singleChannel {
            // The shared bytes already carry this stream's id (the channel's cursor): no bookkeeping on
            // the path every event takes for every stream.
            write(event.wire)
        } else {
            let side = sideState
            side.position!.advance(channel, to: event.cursor)
            // The shared bytes carry one channel's cursor; this stream's id names every channel's position.
            var idLine = ByteBuffer()
            EventStreamEncoder.writeField("id", side.position!.description, into: &idLine)
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
        let event = try! ServerSentEvent(type: ControlEvent.streamGap, data: JSONValue.object(members).text)
        gapsReported += 1
        StreamMetrics.gapSent(reason: gap.reason.rawValue)
        write(EventStreamEncoder.encode(event, id: position.description))
    }

    /// Bytes of whole events from a per-client upstream (ids are the origin's).
    func deliverUpstream(_ bytes: ByteBuffer, events: Int) {
        guard isOpen else { return }
        eventsSent += events
        write(bytes)
    }

    // MARK: TimedStream

    func heartbeatDue() {
        guard isOpen else { return }
        write(Self.heartbeat)
    }

    private static let heartbeat = EventStreamEncoder.comment()

    /// Each heartbeat visit looks at the queue (before the heartbeat is written): bytes still queued start
    /// a stall watch, carried by the wheel's entries, that ends the stream once none of them could be sent
    /// for `streams.stall_timeout`. It also arms a token-expiry warning that is now near.
    func heartbeatVisited() {
        armAuthWarning()
        startStallWatch()
    }

    /// An HTTP/1.1 socket stopped taking bytes: the stall clock starts now, so the stream is ended
    /// `streams.stall_timeout` after its bytes stopped moving, not up to a heartbeat interval later.
    func outboundBlocked() {
        startStallWatch()
    }

    private func startStallWatch() {
        guard isOpen, !stallWatched else { return }
        let tick = loop.heartbeats.tick
        let openedTick = tick - Int64((NIODeadline.now() - openedAt).nanoseconds / 1_000_000_000)
        act(on: plan.route.stall.start(mark: writer.sentMark(), tick: tick, openedTick: openedTick))
    }

    private func act(on verdict: StallWatch.Verdict) {
        switch verdict {
        case .stopWatching:
            stallWatched = false
        case .checkAgain(let check, let ticks):
            stallWatched = true
            loop.heartbeats.schedule(check, for: self, after: .seconds(ticks))
        case .stalled:
            stallWatched = false
            end(.stalled)
            writer.abortStalled()
        }
    }

    /// Age limit: a clean end, after which the client reconnects with its last id and resumes exactly. Token
    /// expiry: first a warning event, then the same clean end with a fresh `retry:` hint, so the client comes
    /// back (with its new token) as soon as it has one.
    func deadlineReached(_ deadline: StreamDeadline) {
        guard isOpen else { return }
        switch deadline {
        case .maxAge:
            finish(.maxAge)
        case .authExpiring:
            guard let expiry = plan.authExpiry else { return }
            write(expiry.warningEvent)
            if isOpen { expiry.scheduleEnd(self, on: loop.heartbeats) }  // the write may have ended it (budget)
        case .authExpired:
            write(EventStreamEncoder.retry(milliseconds: plan.retryMilliseconds))
            finish(.authExpired)
        case .stallCheck(let sent, let since):
            act(on: plan.route.stall.check(mark: writer.sentMark(), carried: sent, since: since, tick: loop.heartbeats.tick))
        }
    }

    // MARK: Ending

    /// Ends the stream from this side, cleanly, once what is queued has gone out.
    func finish(_ reason: StreamEndReason) {
        guard isOpen else { return }
        end(reason)
        writer.finish()
    }

    /// Ends the stream from the server's side with a fresh `retry:` hint first (a reload removed its route,
    /// a paced drain reached its moment): the client waits that long, then reconnects with its last id.
    func finishWithRetryHint(_ reason: StreamEndReason) {
        guard isOpen else { return }
        write(EventStreamEncoder.retry(milliseconds: plan.retryMilliseconds))
        finish(reason)
    }

    private func write(_ bytes: ByteBuffer, _ more: ByteBuffer? = nil) {
        // Over budget the connection aborts the stream: the client stopped reading, and it resumes from
        // history (`Last-Event-ID`) when it reconnects, so nothing is lost.
        guard writer.write(bytes, more) else {
            end(.slowConsumer)
            return
        }
        writer.wrote(bytes.readableBytes + (more?.readableBytes ?? 0))
    }

    /// Leaves the channels. Idempotent; the first reason is kept for the access log.
    func end(_ reason: StreamEndReason) {
        let first = endReason == nil
        if first { endReason = reason }
        defer { if first { plan.route.operations.streamEnded(self, reason: reason) } }
        let joined = subscriptions
        subscriptions = .none
        joined.cancelEach()
        joining = false
        side?.heldLive = []
        side?.upstreamFeed?.stop()
        side?.upstreamFeed = nil
    }

    var accessLogMetadata: Logger.Metadata {
        [
            "channel": "\(plan.channelLabel)", "session": "\(plan.session)", "route": "\(plan.route.operations.label)",
            "reason": "\(endReason?.rawValue ?? "unknown")", "events": "\(eventsSent)", "gaps": "\(gapsReported)",
            "bytes": "\(writer.bytesWritten)", "seconds": "\((NIODeadline.now() - openedAt).nanoseconds / 1_000_000_000)",
        ]
    }
}

/// The event types the gateway itself sends, which applications listen for with `addEventListener`.
enum ControlEvent {
    /// First event of a route with `stream_open_event`: `{"session":"…","connection":N,"protocol":"h2"}`.
    static let streamOpen = "stream-open"
    /// History could not cover the client's position: `{"channel","reason","missed"}`.
    static let streamGap = "stream-gap"
    /// An upstream refused the stream: `{"status","reason"}`; the stream then ends.
    static let streamError = "stream-error"
    /// The token that authorized the stream expires soon: `{"expires_at","expires_in"}`; fetch a new one.
    static let streamAuthExpiring = "stream-auth-expiring"
}
