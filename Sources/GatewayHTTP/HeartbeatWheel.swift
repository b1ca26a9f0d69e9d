import NIOCore

/// One timer per event loop that sends heartbeat comments to the streams that have been quiet.
///
/// A timing wheel with one-second ticks: each stream sits in the bucket of the tick when it may next need a
/// heartbeat. A tick visits only its bucket; a stream that wrote meanwhile is simply moved to the bucket
/// its last write implies. Cost per tick is streams/interval, with no per-stream timer (a million idle
/// streams with a 15 s heartbeat means ~67k visits a second, spread over the loops).
public final class HeartbeatWheel {
    static let tickLength = TimeAmount.seconds(1)

    private let eventLoop: any EventLoop
    /// Ticks since the wheel started; streams record it on every write.
    public private(set) var tick: Int64 = 0
    private var buckets: [Int64: [Entry]] = [:]
    private var timer: RepeatedTask?

    /// A stream in a bucket; the wheel holds it until a visit finds it closed, then lets it go.
    ///
    /// Two words: every open stream has at least one entry, and buckets keep their arrays' spare capacity,
    /// so with a `TimedStream` existential (two words) and an enum of nine bytes an entry was 32 bytes,
    /// ~47 per stream. The stream is kept as a plain reference and cast back on a visit (streams/interval
    /// casts a second, not one per event), and the visit is packed into one word (`WheelVisit`).
    private struct Entry {
        let object: AnyObject
        var visit: WheelVisit

        init(stream: any TimedStream, visit: WheelVisit) {
            self.object = stream
            self.visit = visit
        }

        var stream: any TimedStream { object as! any TimedStream }  // only streams go in (`init`)
    }

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Visits `stream` every `interval` from now (its `lastWriteTick` should be the current tick).
    public func add(_ stream: any TimedStream, interval: TimeAmount) {
        let ticks = max(1, Int64(interval.nanoseconds / Self.tickLength.nanoseconds))
        buckets[tick + ticks, default: []].append(Entry(stream: stream, visit: .heartbeat(intervalTicks: ticks)))
        startIfNeeded()
    }

    /// Ends the stream (cleanly) once `age` has passed, visited by the same wheel: no per-stream timer.
    public func expire(_ stream: any TimedStream, after age: TimeAmount) {
        schedule(.maxAge, for: stream, after: age)
    }

    /// Calls `stream.deadlineReached(deadline)` once `delay` has passed (rounded up to whole ticks, at least
    /// one), unless the stream closed before.
    public func schedule(_ deadline: StreamDeadline, for stream: any TimedStream, after delay: TimeAmount) {
        let ticks = max(1, Int64((delay.nanoseconds + Self.tickLength.nanoseconds - 1) / Self.tickLength.nanoseconds))
        buckets[tick + ticks, default: []].append(Entry(stream: stream, visit: .deadline(deadline)))
        startIfNeeded()
    }

    private func startIfNeeded() {
        guard timer == nil else { return }
        let wheel = NIOLoopBound(self, eventLoop: eventLoop)
        timer = eventLoop.scheduleRepeatedTask(initialDelay: Self.tickLength, delay: Self.tickLength) { _ in
            wheel.value.advance()
        }
    }

    /// Calls `body` with every open stream on this loop (once each: every stream has one heartbeat entry).
    /// The wheel already holds every stream, so a reload or a drain can reach them all without a registry
    /// of its own and without a byte more per stream. Run on the wheel's loop.
    public func forEachOpenStream(_ body: (any TimedStream) -> Void) {
        for entries in buckets.values {
            for entry in entries where entry.stream.isOpen {
                if case .heartbeat = entry.visit.kind { body(entry.stream) }
            }
        }
    }

    func stop() {
        timer?.cancel()
        timer = nil
        buckets.removeAll()
    }

    /// Moves the wheel one tick and visits that tick's bucket.
    func advance() {
        tick += 1
        guard let due = buckets.removeValue(forKey: tick) else { return }
        for entry in due where entry.stream.isOpen {
            let stream = entry.stream
            switch entry.visit.kind {
            case .deadline(let deadline):
                stream.deadlineReached(deadline)
            case .heartbeat(let intervalTicks):
                stream.heartbeatVisited()
                guard stream.isOpen else { continue }
                let quietFor = tick - stream.lastWriteTick
                if quietFor >= intervalTicks {
                    stream.heartbeatDue()
                    buckets[tick + intervalTicks, default: []].append(entry)
                } else {
                    buckets[stream.lastWriteTick + intervalTicks, default: []].append(entry)
                }
            }
        }
    }
}
