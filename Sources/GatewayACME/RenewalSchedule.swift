import Foundation

/// When to renew and how to back off; documented defaults.
public struct RenewalPolicy: Sendable, Hashable {
    /// Fraction of the lifetime after which renewal starts: 2/3 is day 60 of a 90-day certificate, which
    /// leaves a month of retries before expiry (Let's Encrypt's and certbot's advice).
    public var renewalFraction: Double
    /// Delay before the first retry after a failed order.
    public var initialBackoff: Duration
    /// Longest delay between retries; the doubling stops here.
    public var maximumBackoff: Duration
    /// Random share of each delay, 0…1: the delay becomes `d × (1 − jitter + jitter × r)` with r in [0, 1),
    /// so gateways that failed together (a CA outage) do not all retry in the same second.
    public var jitter: Double

    public init(
        renewalFraction: Double = 2.0 / 3.0,
        initialBackoff: Duration = .seconds(60),
        maximumBackoff: Duration = .seconds(6 * 3600),
        jitter: Double = 0.25
    ) {
        self.renewalFraction = renewalFraction
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.jitter = jitter
    }

    /// The delay before retry number `failures` (1 = after the first failure), before jitter:
    /// initial × 2^(failures − 1), capped.
    func backoff(afterFailures failures: Int) -> Duration {
        let doublings = min(max(failures - 1, 0), 40)  // 2^40 × anything sensible is past any cap
        let seconds = Self.seconds(self.initialBackoff) * pow(2, Double(doublings))
        return .milliseconds(Int64(min(seconds, Self.seconds(self.maximumBackoff)) * 1000))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// The renewal state machine for one certificate: a value the caller drives with events and the clock.
///
/// The server keeps one, calls `nextAction(now:)` and does what it says (order, or sleep until a time),
/// then reports `certificateInstalled` or `orderFailed`. No timers or network inside, so every rule is
/// tested with plain dates.
public struct RenewalSchedule: Sendable, Hashable {
    /// What the caller should do now.
    public enum Action: Sendable, Hashable {
        /// Start an order; report its outcome with `certificateInstalled` or `orderFailed`.
        case orderNow
        /// Nothing to do before this time.
        case waitUntil(Date)
        /// An order is running; wait for its outcome.
        case waitForRunningOrder
    }

    private struct Validity: Sendable, Hashable {
        var notAfter: Date
        var renewAt: Date
    }

    private enum State: Sendable, Hashable {
        /// No certificate yet (the development certificate serves).
        case noCertificate
        /// A certificate serves and is not due.
        case holding(Validity)
        /// An order runs; `failures` earlier attempts failed in a row.
        case ordering(Validity?, failures: Int)
        /// The last `failures` orders failed; the next one starts at `retryAt`.
        case backingOff(Validity?, failures: Int, retryAt: Date)
    }

    public let policy: RenewalPolicy
    private var state: State = .noCertificate

    public init(policy: RenewalPolicy = RenewalPolicy()) {
        self.policy = policy
    }

    /// When a certificate with this validity is due: `renewalFraction` of the way through its lifetime.
    public func renewalDate(notBefore: Date, notAfter: Date) -> Date {
        notBefore.addingTimeInterval(notAfter.timeIntervalSince(notBefore) * self.policy.renewalFraction)
    }

    /// A certificate now serves: one loaded from storage at start-up, or one just issued.
    public mutating func certificateInstalled(notBefore: Date, notAfter: Date) {
        self.state = .holding(Validity(notAfter: notAfter, renewAt: self.renewalDate(notBefore: notBefore, notAfter: notAfter)))
    }

    /// What to do at `now`. Returning `.orderNow` moves the schedule to "ordering".
    public mutating func nextAction(now: Date) -> Action {
        switch self.state {
        case .noCertificate:
            self.state = .ordering(nil, failures: 0)
            return .orderNow
        case .holding(let validity):
            guard now >= validity.renewAt else { return .waitUntil(validity.renewAt) }
            self.state = .ordering(validity, failures: 0)
            return .orderNow
        case .ordering:
            return .waitForRunningOrder
        case .backingOff(let validity, let failures, let retryAt):
            guard now >= retryAt else { return .waitUntil(retryAt) }
            self.state = .ordering(validity, failures: failures)
            return .orderNow
        }
    }

    /// An order failed at `now`; `random` in [0, 1) picks the jitter. Returns when to try again.
    @discardableResult
    public mutating func orderFailed(now: Date, random: Double) -> Date {
        let (validity, earlierFailures): (Validity?, Int)
        switch self.state {
        case .noCertificate: (validity, earlierFailures) = (nil, 0)
        case .holding(let current): (validity, earlierFailures) = (current, 0)
        case .ordering(let current, let failures): (validity, earlierFailures) = (current, failures)
        case .backingOff(let current, let failures, _): (validity, earlierFailures) = (current, failures)
        }
        let failures = earlierFailures + 1
        let delay = RenewalPolicy.seconds(self.policy.backoff(afterFailures: failures))
        let jitter = min(max(self.policy.jitter, 0), 1)
        let jittered = delay * (1 - jitter + jitter * min(max(random, 0), 1))
        let retryAt = now.addingTimeInterval(jittered)
        self.state = .backingOff(validity, failures: failures, retryAt: retryAt)
        return retryAt
    }

    /// `orderFailed(now:random:)` with a random jitter.
    @discardableResult
    public mutating func orderFailed(now: Date) -> Date {
        self.orderFailed(now: now, random: Double.random(in: 0..<1))
    }

    /// Failed orders in a row since the last certificate was installed.
    public var consecutiveFailures: Int {
        switch self.state {
        case .noCertificate, .holding: 0
        case .ordering(_, let failures), .backingOff(_, let failures, _): failures
        }
    }

    /// The end of validity of the certificate that serves, if any.
    public var currentExpiry: Date? {
        switch self.state {
        case .noCertificate: nil
        case .holding(let validity): validity.notAfter
        case .ordering(let validity, _), .backingOff(let validity, _, _): validity?.notAfter
        }
    }
}
