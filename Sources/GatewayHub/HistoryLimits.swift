/// Bounds on one channel's history: whichever is reached first evicts the oldest events.
public struct HistoryLimits: Sendable, Hashable {
    /// Most events kept.
    public var count: Int
    /// Most wire bytes kept.
    public var bytes: Int
    /// Longest time an event is kept.
    public var ttl: Duration

    public init(count: Int = 1000, bytes: Int = 1 << 20, ttl: Duration = .seconds(3600)) {
        self.count = count
        self.bytes = bytes
        self.ttl = ttl
    }
}
