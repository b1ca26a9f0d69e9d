import GatewaySSE
import NIOCore

/// One subscribed stream: its SSE parser and what it received of this run's events.
///
/// Publishes travel over several connections, so one channel's events may be reordered by a few places;
/// a 64-wide window below the highest sequence seen (as in IPsec anti-replay) tells duplicates from late
/// arrivals without a per-stream bitmap. The count of distinct events gives losses against what was
/// published to the channel.
struct StreamTracker {
    let channel: Int
    var parser = EventStreamParser(maxLineBytes: 4 << 20)
    var highestSequence = -1
    /// Bit i set: `highestSequence - i` was received.
    var window: UInt64 = 0
    var received = 0
    var duplicates = 0
    var corrupt = 0
    var foreign = 0
    var opened = false
    var closed = false

    init(channel: Int) {
        self.channel = channel
    }

    /// Marks `sequence` received; false for a duplicate (or one older than the window, counted as such).
    mutating func accept(_ sequence: Int) -> Bool {
        if sequence > self.highestSequence {
            let shift = sequence - self.highestSequence
            self.window = shift >= 64 ? 0 : self.window << UInt64(shift)
            self.window |= 1
            self.highestSequence = sequence
            return true
        }
        let offset = self.highestSequence - sequence
        guard offset < 64, self.window & (1 << UInt64(offset)) == 0 else { return false }
        self.window |= 1 << UInt64(offset)
        return true
    }
}

/// Per-event-loop results: the streams of that loop's connections and a latency histogram. Touched only
/// on its loop (hence `@unchecked Sendable`, no locks); the command reads it there with `submit`.
final class LoopRecorder: @unchecked Sendable {
    let run: UInt32
    var streams: ContiguousArray<StreamTracker> = []
    var latency = LatencyHistogram()
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
    func bodyReceived(_ index: Int, _ bytes: ByteBuffer) {
        self.bytesReceived += bytes.readableBytes
        let parsed = bytes.withUnsafeReadableBytes { raw in try? self.streams[index].parser.feed(raw) }
        guard let events = parsed else {
            self.streams[index].corrupt += 1
            return
        }
        guard !events.isEmpty else { return }
        let now = monotonicNanoseconds()
        for event in events {
            self.eventReceived(index, event.data, now: now)
        }
    }

    private func eventReceived(_ index: Int, _ data: String, now: UInt64) {
        guard let (payload, intact) = EventPayload.parse(data), payload.run == self.run,
            payload.channel == self.streams[index].channel
        else {
            self.streams[index].foreign += 1
            return
        }
        if !intact {
            self.streams[index].corrupt += 1
        }
        guard self.streams[index].accept(payload.sequence) else {
            self.streams[index].duplicates += 1
            return
        }
        self.streams[index].received += 1
        self.lastReceiveNanoseconds = now
        self.latency.record(now &- payload.sentNanoseconds)
    }
}
