/// Delays between reconnect attempts: exponential with "equal jitter", clock-free and table-testable.
///
/// After the n-th consecutive failure: `d = min(maximum, initial · 2^(n-1))`, then a uniform pick in
/// `[d/2, d]`, so the nodes of a cluster do not all reconnect in lockstep when Redis comes back, yet never
/// retry at once in a tight loop. (The same rule as the upstream client's `ReconnectBackoff`; that one
/// also honours an origin's `retry:` and final answers, which Redis has no equivalent of.)
public struct RedisBackoff: Sendable {
    public let initial: Duration
    public let maximum: Duration
    private let randomUnit: @Sendable () -> Double

    /// `randomUnit` returns a value in `0..<1`; tests inject a fixed one.
    public init(initial: Duration, maximum: Duration, randomUnit: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.initial = initial
        self.maximum = max(initial, maximum)
        self.randomUnit = randomUnit
    }

    public func delay(afterFailures failures: Int) -> Duration {
        var delay = self.initial
        for _ in 1..<max(1, failures) where delay < self.maximum { delay *= 2 }
        delay = min(delay, self.maximum)
        let unit = min(max(self.randomUnit(), 0), 1)
        return delay / 2 + delay / 2 * unit
    }
}
