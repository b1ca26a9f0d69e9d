import Synchronization

/// One upstream connection held against `upstreams.max_connections` (and its client address's
/// `upstreams.max_per_client_ip`), given back exactly once.
///
/// A class with a `deinit`, not a `~Copyable` struct: the slot rides in the `EventStreamPlan` (a copyable
/// value, passed through `Response` and kept by the connection until it has room for the stream), and a
/// non-copyable value cannot be stored in a copyable one. With a class, whichever path drops the last
/// reference gives the slot back: a refusal after it was taken, a connection that closes before the stream
/// opens, a reload that drops the plan, or the stream's end. `release()` gives it back at once where the
/// end is known (the stream ends long before its plan is freed); the atomic flag makes the second call,
/// and the `deinit` after it, do nothing.
final class UpstreamSlot: Sendable {
    private let registry: UpstreamRegistry
    /// The client address the slot counts against; nil when the connection has none (not capped).
    let client: String?
    private let released = Atomic<Bool>(false)

    /// Only the registry makes slots, under its lock, after counting them.
    init(registry: UpstreamRegistry, client: String?) {
        self.registry = registry
        self.client = client
    }

    /// Gives the slot back. Idempotent, from any thread.
    func release() {
        guard released.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        registry.giveBack(clientSlotOf: client)
    }

    deinit {
        release()
    }
}
