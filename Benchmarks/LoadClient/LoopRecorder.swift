import GatewaySSE
import NIOCore

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

    /// The events of one read, reused from read to read (one array fewer per read).
    private var parsed: [EventStreamParser.Event] = []

    /// Body bytes of a stream: parse, then account for each of our events.
    func bodyReceived(_ index: Int, _ bytes: ByteBuffer) {
        self.bytesReceived += bytes.readableBytes
        self.parsed.removeAll(keepingCapacity: true)
        let failed = bytes.withUnsafeReadableBytes { raw in
            do {
                try self.streams[index].parser.feed(raw, into: &self.parsed)
                return false
            } catch {
                return true
            }
        }
        guard !failed else {
            self.streams[index].corrupt += 1
            return
        }
        guard !self.parsed.isEmpty else { return }
        let now = monotonicNanoseconds()
        for event in self.parsed {
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
