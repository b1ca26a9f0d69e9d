import Synchronization

/// Counters the hub keeps for metrics and for the global history budget. Lock-free, shared by all channels.
public final class HubStatistics: Sendable {
    /// Why history events were dropped.
    public enum EvictionReason: Int, Sendable, CaseIterable {
        case count, bytes, ttl, budget
    }

    private let historyBytesCounter = Atomic<Int>(0)
    private let countEvictions = Atomic<Int>(0)
    private let bytesEvictions = Atomic<Int>(0)
    private let ttlEvictions = Atomic<Int>(0)
    private let budgetEvictions = Atomic<Int>(0)
    private let publishedCounter = Atomic<Int>(0)
    private let gapCounter = Atomic<Int>(0)

    public init() {}

    /// Event bytes held in all channels' history together.
    public var historyBytes: Int { historyBytesCounter.load(ordering: .relaxed) }
    /// Events published since start.
    public var published: Int { publishedCounter.load(ordering: .relaxed) }
    /// `stream-gap`s reported since start.
    public var gaps: Int { gapCounter.load(ordering: .relaxed) }

    public func evicted(_ reason: EvictionReason) -> Int {
        switch reason {
        case .count: countEvictions.load(ordering: .relaxed)
        case .bytes: bytesEvictions.load(ordering: .relaxed)
        case .ttl: ttlEvictions.load(ordering: .relaxed)
        case .budget: budgetEvictions.load(ordering: .relaxed)
        }
    }

    func historyGrew(by bytes: Int) { historyBytesCounter.add(bytes, ordering: .relaxed) }
    func historyShrank(by bytes: Int, reason: EvictionReason?) {
        historyBytesCounter.subtract(bytes, ordering: .relaxed)
        switch reason {
        case .count: countEvictions.add(1, ordering: .relaxed)
        case .bytes: bytesEvictions.add(1, ordering: .relaxed)
        case .ttl: ttlEvictions.add(1, ordering: .relaxed)
        case .budget: budgetEvictions.add(1, ordering: .relaxed)
        case nil: break
        }
    }
    public func countPublished(_ events: Int) { publishedCounter.add(events, ordering: .relaxed) }
    public func countGap() { gapCounter.add(1, ordering: .relaxed) }
}
