import NIOCore

/// One scheduled check per connection, moved only when a deadline comes earlier: progress (which only
/// moves deadlines later) reschedules nothing, and the check itself answers when to look again.
///
/// Same design as `IdleTimer`: the handler records progress as plain stores, and the check, run at most
/// once per timeout, decides whether the deadline really passed.
final class DeadlineTimer {
    private let eventLoop: any EventLoop
    /// Called when the timer fires; returns when to look again (nil: nothing to watch any more).
    private let check: () -> NIODeadline?
    private var scheduled: Scheduled<Void>?
    private var scheduledAt = NIODeadline.distantFuture

    init(eventLoop: any EventLoop, check: @escaping () -> NIODeadline?) {
        self.eventLoop = eventLoop
        self.check = check
    }

    /// Makes sure a check runs no later than `deadline`.
    func arm(at deadline: NIODeadline) {
        guard scheduled == nil || deadline < scheduledAt else { return }
        scheduled?.cancel()
        scheduledAt = deadline
        // Strong capture (the timer is cancelled or fires): no side table on the owner.
        scheduled = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { self.fired() }
    }

    func cancel() {
        scheduled?.cancel()
        scheduled = nil
        scheduledAt = .distantFuture
    }

    private func fired() {
        scheduled = nil
        scheduledAt = .distantFuture
        if let next = check() { arm(at: next) }
    }
}
