import Synchronization

/// Whether the server accepts new work: false once draining starts, so `/readyz` lets balancers move away.
public final class Readiness: Sendable {
    private let ready = Atomic<Bool>(true)

    public init() {}

    public var isReady: Bool { ready.load(ordering: .relaxed) }

    public func markDraining() { ready.store(false, ordering: .relaxed) }
}
