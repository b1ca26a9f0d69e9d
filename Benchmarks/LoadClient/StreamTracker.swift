import GatewaySSE
import NIOCore

/// One subscribed stream: its SSE parser and what it received of this run's events.
///
/// Publishes travel over several connections, so one channel's events may be reordered (an overloaded
/// server can serve one publish connection well behind the others). A 1024-wide circular bitmap below
/// the highest sequence seen tells duplicates from late arrivals; anything older is counted as `stale`
/// (neither received nor duplicated). The bitmap is allocated on the first event: idle streams cost none.
/// The count of distinct events gives losses against what was published to the channel.
struct StreamTracker {
    static let windowBits = 1024

    let channel: Int
    var parser = EventStreamParser(maxLineBytes: 4 << 20)
    var highestSequence = -1
    var window: [UInt64] = []
    var received = 0
    var duplicates = 0
    var stale = 0
    var corrupt = 0
    var foreign = 0
    var opened = false
    var closed = false

    init(channel: Int) {
        self.channel = channel
    }

    enum Arrival { case new, duplicate, stale }

    /// Marks `sequence` received.
    mutating func accept(_ sequence: Int) -> Arrival {
        let bits = Self.windowBits
        if self.window.isEmpty {
            self.window = Array(repeating: 0, count: bits / 64)
        }
        if sequence > self.highestSequence {
            if sequence - self.highestSequence >= bits {
                for word in self.window.indices { self.window[word] = 0 }
            } else {
                var cleared = self.highestSequence + 1
                while cleared < sequence {
                    self.clear(cleared)
                    cleared += 1
                }
            }
            self.highestSequence = sequence
            self.set(sequence)
            return .new
        }
        guard self.highestSequence - sequence < bits else { return .stale }
        if self.isSet(sequence) { return .duplicate }
        self.set(sequence)
        return .new
    }

    private func slot(_ sequence: Int) -> (word: Int, mask: UInt64) {
        let bit = sequence % Self.windowBits
        return (bit / 64, 1 << UInt64(bit % 64))
    }

    private mutating func set(_ sequence: Int) {
        let (word, mask) = self.slot(sequence)
        self.window[word] |= mask
    }

    private mutating func clear(_ sequence: Int) {
        let (word, mask) = self.slot(sequence)
        self.window[word] &= ~mask
    }

    private func isSet(_ sequence: Int) -> Bool {
        let (word, mask) = self.slot(sequence)
        return self.window[word] & mask != 0
    }
}

/// Per-event-loop results: the streams of that loop's connections and a latency histogram. Touched only
/// on its loop (hence `@unchecked Sendable`, no locks); the command reads it there with `submit`.
final class LoopRecorder: @unchecked Sendable {
    let run: UInt32
    var streams: ContiguousArray<StreamTracker> = []
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
