import Synchronization

/// Counters the hub keeps for metrics and for the global history budget. Lock-free, shared by all channels.
///
/// Metrics read these at scrape time rather than counting a second time. Deliveries are counted once per
/// fan-out batch (events × subscribers of one loop), never per stream: see `LoopFanout.deliverPending`.
public final class HubStatistics: Sendable {
    /// Told, once per fan-out batch and after the batch's socket writes, how long ago its oldest event
    /// was published. Nil when nobody measures (no extra loop task is then scheduled).
    public typealias WriteLatencyObserver = @Sendable (Duration) -> Void
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
    private let historyEventsCounter = Atomic<Int>(0)
    private let deliveredCounter = Atomic<Int>(0)
    let writeLatencyObserver: WriteLatencyObserver?

    public init(writeLatencyObserver: WriteLatencyObserver? = nil) {
        self.writeLatencyObserver = writeLatencyObserver
    }

    /// Events held in all channels' history together.
    public var historyEvents: Int { historyEventsCounter.load(ordering: .relaxed) }
    /// Event deliveries handed to streams since start (events × subscribers per fan-out batch; a
    /// session-targeted event counts every subscriber of its loop that was offered it).
    public var delivered: Int { deliveredCounter.load(ordering: .relaxed) }

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

    func historyGrew(by bytes: Int) {
        historyBytesCounter.add(bytes, ordering: .relaxed)
        historyEventsCounter.add(1, ordering: .relaxed)
    }
    /// `events` left history together with `bytes` (one eviction, or a whole dropped channel).
    func historyShrank(by bytes: Int, events: Int = 1, reason: EvictionReason?) {
        historyBytesCounter.subtract(bytes, ordering: .relaxed)
        historyEventsCounter.subtract(events, ordering: .relaxed)
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
    /// One fan-out batch: `deliveries` = events × subscribers, one atomic add for the whole batch.
    func countDelivered(_ deliveries: Int) { deliveredCounter.add(deliveries, ordering: .relaxed) }
}
