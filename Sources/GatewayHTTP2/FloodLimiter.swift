/// A token bucket: `burst` tokens to start, refilled at `ratePerSecond`, one taken per suspicious frame.
///
/// Time is passed in (monotonic nanoseconds) so tests drive it without sleeping. Integer arithmetic only:
/// the refill carries the unspent remainder forward instead of rounding it away.
struct FloodLimiter: Sendable {
    private let burst: UInt64
    private let nanosecondsPerToken: UInt64
    private var tokens: UInt64
    private var lastRefill: UInt64

    init(burst: Int, ratePerSecond: Int, now: UInt64) {
        self.burst = UInt64(max(burst, 0))
        // A rate of 0 means "never refills": the bucket is a plain cap for the connection's lifetime.
        self.nanosecondsPerToken = ratePerSecond > 0 ? 1_000_000_000 / UInt64(ratePerSecond) : 0
        self.tokens = self.burst
        self.lastRefill = now
    }

    /// Takes one token. False means the bucket is empty: the peer is flooding.
    mutating func take(now: UInt64) -> Bool {
        self.refill(now: now)
        guard self.tokens > 0 else {
            return false
        }
        self.tokens -= 1
        return true
    }

    var availableTokens: Int { Int(self.tokens) }

    private mutating func refill(now: UInt64) {
        guard self.nanosecondsPerToken > 0, now > self.lastRefill else {
            return
        }
        let earned = (now - self.lastRefill) / self.nanosecondsPerToken
        if earned > 0 {
            self.tokens = min(self.burst, self.tokens + earned)
            self.lastRefill += earned * self.nanosecondsPerToken
        }
        // A full bucket banks no time: otherwise a long quiet spell would pay for a later burst above `burst`.
        if self.tokens == self.burst {
            self.lastRefill = now
        }
    }
}
