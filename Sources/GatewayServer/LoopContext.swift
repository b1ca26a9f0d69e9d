import NIOCore

/// What the streams of one event loop share: the heartbeat wheel, the flush batcher and the idle-memory sweeper.
///
/// Only used on its own loop, so it needs no locks; `@unchecked Sendable` only lets the per-loop table
/// be built once and read from each loop.
final class LoopContext: @unchecked Sendable {
    let eventLoop: any EventLoop
    let heartbeats: HeartbeatWheel
    let flushes: FlushBatcher
    let idleMemory: IdleMemorySweeper

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.heartbeats = HeartbeatWheel(eventLoop: eventLoop)
        self.flushes = FlushBatcher(eventLoop: eventLoop)
        self.idleMemory = IdleMemorySweeper(eventLoop: eventLoop)
    }
}

/// One `LoopContext` per loop of the group, looked up by the loop a connection lives on.
struct LoopContexts: Sendable {
    private let contexts: [ObjectIdentifier: LoopContext]

    init(group: any EventLoopGroup) {
        var contexts: [ObjectIdentifier: LoopContext] = [:]
        for loop in group.makeIterator() {
            contexts[ObjectIdentifier(loop)] = LoopContext(eventLoop: loop)
        }
        self.contexts = contexts
    }

    func context(for loop: any EventLoop) -> LoopContext {
        guard let context = contexts[ObjectIdentifier(loop)] else {
            preconditionFailure("connection on an event loop outside the server's group")
        }
        return context
    }

    func stop() {
        for context in contexts.values {
            context.eventLoop.execute { context.heartbeats.stop() }
        }
    }
}

/// Something with queued output to write once per batch.
protocol Flushable: AnyObject {
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

    /// Callers keep their own "already requested" flag so each appears once per batch.
    func schedule(_ target: any Flushable) {
        pending.append(target)
        guard !scheduled else { return }
        scheduled = true
        eventLoop.assumeIsolated().execute { self.run() }
    }

    private func run() {
        scheduled = false
        let targets = pending
        pending.removeAll(keepingCapacity: true)
        for target in targets { target.flushNow() }
    }
}
