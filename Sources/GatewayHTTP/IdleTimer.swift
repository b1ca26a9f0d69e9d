import NIOCore

/// Closes a connection that stays idle (no request, no stream) for a whole timeout; one design for both
/// protocols.
///
/// Going busy and idle again does not cancel or reschedule anything: when the timer fires it checks that
/// the connection has been idle since `idleSince` for the whole timeout, and otherwise waits for the rest
/// (or, while busy, stops until the connection is idle again). Cancelling and scheduling a timer for every
/// request of a busy publish connection was a measurable share of a publish.
final class IdleTimer {
    private let eventLoop: any EventLoop
    private let timeout: TimeAmount
    private let onIdle: () -> Void
    private var scheduled: Scheduled<Void>?
    private var busy = false
    private var idleSince = NIODeadline.uptimeNanoseconds(0)

    init(eventLoop: any EventLoop, timeout: Duration, onIdle: @escaping () -> Void) {
        self.eventLoop = eventLoop
        self.timeout = TimeAmount(timeout)
        self.onIdle = onIdle
    }

    /// The connection has nothing to do from now on.
    func becameIdle() {
        busy = false
        idleSince = eventLoop.now
        if scheduled == nil { schedule(at: idleSince + timeout) }
    }

    /// A request or stream runs; the connection is not idle until `becameIdle()`.
    func becameBusy() {
        busy = true
    }

    /// A long busy period starts (a stream): the scheduled check is dropped now rather than kept until it
    /// fires only to find the connection busy. Kept, it holds a task, a promise and a slot in the loop's
    /// timer heap (~0.25 KiB) for up to the whole timeout; one cancel per stream costs nothing next to
    /// that. `becameIdle()` schedules again.
    func pause() {
        busy = true
        cancel()
    }

    func cancel() {
        scheduled?.cancel()
        scheduled = nil
    }

    private func schedule(at deadline: NIODeadline) {
        // Strong capture (the timer is cancelled or fires): no side table on the owner.
        scheduled = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { self.fired() }
    }

    private func fired() {
        scheduled = nil
        guard !busy else { return }  // its end calls `becameIdle()`, which schedules again
        let deadline = idleSince + timeout
        if deadline > eventLoop.now {
            schedule(at: deadline)
        } else {
            onIdle()
        }
    }
}
