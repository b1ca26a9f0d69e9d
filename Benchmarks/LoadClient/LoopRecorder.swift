import GatewaySSE
import NIOCore

/// Per-event-loop results: the streams of that loop's connections and a latency histogram. Touched only
/// on its loop (hence `@unchecked Sendable`, no locks); the command reads it there with `submit`.
final class LoopRecorder: @unchecked Sendable {
    let run: UInt32
    var streams: ContiguousArray<StreamTracker> = []
    /// Each stream's SSE parser, by the same index as `streams`. Kept apart from the trackers so the parser
    /// can be mutated by a feed while its event callback updates the stream's tracker (two properties, no
    /// overlapping access to one array element).
    private var parsers: ContiguousArray<EventStreamParser> = []
    /// From the scheduled publish time (see EventPayload).
    var latency = LatencyHistogram()
    /// From the moment the publish was written.
    var sendLatency = LatencyHistogram()
    var openedStreams = 0
    var failedStreams = 0
    var closedStreams = 0
    var failedConnections = 0
    var bytesReceived = 0
    var lastReceiveNanoseconds: UInt64 = 0

    init(run: UInt32) {
        self.run = run
    }

    func addStream(channel: Int) -> Int {
        self.streams.append(StreamTracker(channel: channel))
        self.parsers.append(EventStreamParser(maxLineBytes: 4 << 20))
        return self.streams.count - 1
    }

    func streamOpened(_ index: Int, status: Int) {
        if status == 200 {
            self.streams[index].opened = true
            self.openedStreams += 1
        } else {
            self.failedStreams += 1
        }
    }

    func streamClosed(_ index: Int) {
        guard !self.streams[index].closed else { return }
        self.streams[index].closed = true
        self.closedStreams += 1
    }

    /// Body bytes of a stream: parse, then account for each of our events.
    ///
    /// Events come from the parser's byte API, as views of its buffers, and are checked in place: no String,
    /// array or struct per event (the client reads 5,000 events per publish on one thread, and its time per
    /// event is counted in the latency it reports). The clock is still read once per body read that completes
    /// events, now at its first event rather than after the whole read is parsed (the same thing for the
    /// usual one event per DATA frame). On a parse error, the events completed before the offending line
    /// have been counted; before, the whole read was dropped (and `corrupt` counted once, as now).
    func bodyReceived(_ index: Int, _ bytes: UnsafeRawBufferPointer) {
        self.bytesReceived += bytes.count
        var now: UInt64 = 0
        do {
            try self.parsers[index].feed(bytes) { event in
                if now == 0 { now = monotonicNanoseconds() }
                self.eventReceived(index, event.data, now: now)
            }
        } catch {
            // The events completed before the offending line have been accounted for already.
            self.streams[index].corrupt += 1
        }
    }

    /// Body bytes of a stream, in a buffer (HTTP/1.1).
    func bodyReceived(_ index: Int, _ bytes: ByteBuffer) {
        bytes.withUnsafeReadableBytes { self.bodyReceived(index, $0) }
    }

    private func eventReceived(_ index: Int, _ data: UnsafeRawBufferPointer, now: UInt64) {
        guard let (payload, intact) = EventPayload.parse(data), payload.run == self.run,
            payload.channel == self.streams[index].channel
        else {
            self.streams[index].foreign += 1
            return
        }
        if !intact {
            self.streams[index].corrupt += 1
        }
        switch self.streams[index].accept(payload.sequence) {
        case .new:
            break
        case .duplicate:
            self.streams[index].duplicates += 1
            return
        case .stale:
            self.streams[index].stale += 1
            return
        }
        self.streams[index].received += 1
        self.lastReceiveNanoseconds = now
        self.latency.record(now &- payload.scheduledNanoseconds)
        self.sendLatency.record(now &- payload.sentNanoseconds)
    }
}
