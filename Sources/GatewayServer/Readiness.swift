import Synchronization

/// Whether the server accepts new work: false once draining starts, so `/readyz` lets balancers move away.
final class Readiness: Sendable {
    private let ready = Atomic<Bool>(true)

    var isReady: Bool { ready.load(ordering: .relaxed) }

    func markDraining() { ready.store(false, ordering: .relaxed) }
}
