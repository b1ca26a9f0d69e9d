/// A token bucket (RFC 2697's single-rate idea, without colours): holds up to `capacity` tokens, refilled
/// continuously at `capacity` per `period`; each request takes one.
///
/// Time is passed in (nanoseconds on a monotonic clock), so the arithmetic is tested without waiting.
public struct TokenBucket: Sendable {
    /// What a request gets.
    public enum Decision: Equatable, Sendable {
        case allowed
        /// Refused; a token is back after this many nanoseconds.
        case refused(retryAfterNanoseconds: Int64)
    }

    public let capacity: Double
    /// Nanoseconds for one token to come back.
    public let nanosecondsPerToken: Double
    private var tokens: Double
    private var updatedAt: Int64

    public init(capacity: Int, periodNanoseconds: Int64, now: Int64) {
        self.capacity = Double(capacity)
        self.nanosecondsPerToken = Double(periodNanoseconds) / Double(capacity)
        self.tokens = Double(capacity)
        self.updatedAt = now
    }

    /// Refills for the time since the last request, then takes a token if one is there.
    public mutating func requestArrived(at now: Int64) -> Decision {
        let elapsed = max(0, now - updatedAt)
        tokens = min(capacity, tokens + Double(elapsed) / nanosecondsPerToken)
        updatedAt = max(updatedAt, now)
        if tokens >= 1 {
            tokens -= 1
            return .allowed
        }
        return .refused(retryAfterNanoseconds: Int64(((1 - tokens) * nanosecondsPerToken).rounded(.up)))
    }
}
