import NIOCore

/// A connection holding memory it needs only while it is sending.
protocol IdleMemoryHolder: AnyObject {
    /// Returns true once the memory was given back (the sweeper then forgets the holder), false to be
    /// asked again next sweep.
    func releaseIdleMemory() -> Bool
}

/// Asks, every `period`, the connections of one loop that sent something recently to give back what
/// they only need while sending (the HTTP/2 frame buffer, see `HTTP2ServerSession.releaseFrameBufferIfQuiet`).
///
/// Why a sweep and not a release after each write: releasing costs a madvise (a TLB shootdown across the
/// loop threads) and page faults on the next write; an idle SSE connection sends a heartbeat every few
/// seconds, a busy one many batches per second. Sweeping bounds the cost to one release per connection
/// per busy-to-quiet transition, and costs nothing on a loop whose connections are all quiet.
///
/// A connection that closes is not removed here (finding it would cost a scan per close): its handler drops
/// its memory when the connection goes and then answers `true`, so the sweeper lets go of it at the next
/// sweep. A holder must never answer `false` once its connection is closed: its output can no longer
/// drain, and the sweeper would keep it, and all it holds, forever.
final class IdleMemorySweeper {
    static let period = TimeAmount.seconds(1)

    private let eventLoop: any EventLoop
    private var holders: [any IdleMemoryHolder] = []
    private var scheduled = false

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Callers keep their own "already tracked" flag so each appears once.
    func track(_ holder: any IdleMemoryHolder) {
        holders.append(holder)
        scheduleSweep()
    }

    private func scheduleSweep() {
        guard !scheduled else { return }
        scheduled = true
        eventLoop.assumeIsolated().scheduleTask(in: Self.period) { self.sweep() }
    }

    private func sweep() {
        scheduled = false
        var stillBusy: [any IdleMemoryHolder] = []
        for holder in holders where !holder.releaseIdleMemory() {
            stillBusy.append(holder)
        }
        holders = stillBusy
        if !holders.isEmpty { scheduleSweep() }
    }
}
