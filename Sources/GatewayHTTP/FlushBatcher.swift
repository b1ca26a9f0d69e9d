import NIOCore

/// Something with queued output to write once per batch.
protocol Flushable: AnyObject {
    /// True while it waits in a batch, so it joins each batch once.
    var flushRequested: Bool { get set }
    func flushNow()
}

/// Collects the connections that got bytes during one loop task and flushes each once, after the task.
///
/// A publish reaches a loop as one task that writes to many streams; flushing per write would cost one
/// TLS record and one syscall per stream per event. Deferring to one `execute` gives one write per
/// connection per batch, however many of its streams got bytes.
final class FlushBatcher {
    private let eventLoop: any EventLoop
    private var pending: [any Flushable] = []
    private var scheduled = false

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Adds `target` to this task's batch (once, however often it asks).
    func request(_ target: any Flushable) {
        guard !target.flushRequested else { return }
        target.flushRequested = true
        pending.append(target)
        guard !scheduled else { return }
        scheduled = true
        eventLoop.assumeIsolated().execute { self.run() }
    }

    private func run() {
        scheduled = false
        let targets = pending
        pending.removeAll(keepingCapacity: true)
        for target in targets {
            target.flushRequested = false
            target.flushNow()
        }
    }
}
