import Synchronization

/// Hands out a process-unique number per connection, for logs.
final class ConnectionIDs: Sendable {
    private let next = Atomic<UInt64>(1)

    func make() -> UInt64 { next.wrappingAdd(1, ordering: .relaxed).oldValue }
}
