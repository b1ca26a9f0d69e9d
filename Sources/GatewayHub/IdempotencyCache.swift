import DequeModule
import NIOCore
import Synchronization

/// Remembers publishes by `Idempotency-Key` so a retried publish (a timeout, a lost answer) delivers once.
///
/// Bounded by TTL and by entry count (oldest forgotten first). The check and the publish happen under
/// one lock, so two concurrent retries with the same key cannot both publish.
final class IdempotencyCache: Sendable {
    private struct State: ~Copyable {
        var results: [String: (result: PublishResult, expires: NIODeadline)] = [:]
        var order = Deque<(key: String, expires: NIODeadline)>()
    }

    static let maxEntries = 100_000
    private let ttl: TimeAmount
    private let state = Mutex(State())

    init(ttl: Duration) {
        self.ttl = TimeAmount(ttl)
    }

    func once(key: String, now: NIODeadline, _ publish: () -> PublishResult) -> PublishResult {
        state.withLock { state in
            if let entry = state.results[key], entry.expires > now {
                var result = entry.result
                result.replayed = true
                return result
            }
            let result = publish()
            let expires = now + ttl
            state.results[key] = (result, expires)
            state.order.append((key, expires))
            while state.order.count > Self.maxEntries, let oldest = state.order.popFirst() {
                if state.results[oldest.key]?.expires == oldest.expires { state.results[oldest.key] = nil }
            }
            return result
        }
    }

    func sweep(now: NIODeadline) {
        state.withLock { state in
            while let oldest = state.order.first, oldest.expires <= now {
                state.order.removeFirst()
                if state.results[oldest.key]?.expires == oldest.expires { state.results[oldest.key] = nil }
            }
        }
    }
}
