import NIOCore

/// Where a connection stands in its loop's current flush batch.
enum FlushState {
    /// Not in the batch.
    case idle
    /// In the batch, not flushed yet.
    case waiting
    /// Flushed early in this batch (`FlushBatcher.earlyFlushLag`); a later request waits for the batch's end.
    case flushedEarly
    /// Flushed early, then given more bytes in the same batch: flushed again at the batch's end, not earlier.
    case waitingAgain

    /// A request would change nothing: the connection is already due a flush in this batch.
    var isWaiting: Bool { self == .waiting || self == .waitingAgain }
}

/// Something with queued output to write once per batch.
protocol Flushable: AnyObject {
    /// Its place in the current batch; only the batcher changes it.
    var flushState: FlushState { get set }
    func flushNow()
}

/// Collects the connections that got bytes during one loop task and flushes each once or twice per task:
/// early, once a few newer connections have asked after it, and otherwise after the task.
///
/// A publish reaches a loop as one task that writes to many streams; flushing per write would cost one
/// TLS record and one syscall per stream per event. Deferring to one `execute` gives one write per
/// connection per batch, however many of its streams got bytes.
///
/// Why early: a loop's subscribers are walked in order, and the streams of one connection mostly sit together
/// (a client opens them together). Once `earlyFlushLag` newer connections have asked, the older ones have
/// usually got all this task gives them, and flushing them then finds their nghttp2 session, stream queues and
/// TLS state still in the cache, where the end of a 5,000-stream task finds them evicted; and their clients
/// start reading while the loop still delivers to the rest. Measured at 5,000 streams × 50/s on 50
/// connections: ~16% less server CPU per delivery and a lower p99 (BENCHMARKS.md, "Early flushes").
/// The bound: a connection flushed early that gets more bytes in the same task (its streams scattered among
/// others', as removals by swapping make over time) waits for the task's end, so it is written at most twice
/// per task, never once per stream.
final class FlushBatcher {
    /// Newer connections that must have asked before an older one is flushed early. Two rather than one, so
    /// the streams of two connections alternating in the fan-out still cost one write each; 1, 2 and 4 were
    /// measured (5k × 50/s: 0.92, 0.94 and 1.0 of the CPU with 4; BENCHMARKS.md, "Early flushes").
    static let earlyFlushLag = 2

    private let eventLoop: any EventLoop
    /// The batch, in the order connections first asked (a connection flushed early and asking again is here
    /// twice); those before `examined` were flushed early or left for the end.
    private var pending: [any Flushable] = []
    private var examined = 0
    private var scheduled = false
    /// An early flush is writing: a request it causes only joins the batch (no nested early flushes).
    private var flushingEarly = false

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Adds `target` to this task's batch (once, however often it asks, or once more after an early flush).
    func request(_ target: any Flushable) {
        switch target.flushState {
        case .waiting, .waitingAgain: return
        case .idle: target.flushState = .waiting
        case .flushedEarly: target.flushState = .waitingAgain
        }
        pending.append(target)
        if !scheduled {
            scheduled = true
            eventLoop.assumeIsolated().execute { self.run() }
        }
        flushEarly()
    }

    /// Flushes the connections older than the last `earlyFlushLag` that have not been flushed in this task.
    private func flushEarly() {
        guard !flushingEarly else { return }
        flushingEarly = true
        defer { flushingEarly = false }
        while pending.count - examined > Self.earlyFlushLag {
            let target = pending[examined]
            examined += 1
            // `.waitingAgain`: flushed early once already; it waits for the end of the task.
            guard target.flushState == .waiting else { continue }
            target.flushState = .flushedEarly
            target.flushNow()
        }
    }

    private func run() {
        scheduled = false
        let targets = pending
        pending.removeAll(keepingCapacity: true)
        examined = 0
        for target in targets {
            let state = target.flushState
            target.flushState = .idle
            if state.isWaiting { target.flushNow() }
        }
    }
}
