/// When to reconnect to an upstream, as data: exponential backoff with jitter, the upstream's `retry:`
/// honoured, and final answers (204, most 4xx) ending the cycle for good.
///
/// The source reports what happened (one mutating func per event) and carries out the returned action;
/// the clock-free design (delays, not deadlines) and the injected random source keep it table-testable.
///
/// Delay after the n-th consecutive failure: `min(cap, base · 2^(n-1))`, then "equal jitter" — a uniform
/// pick from half to all of that — so subscribers of many gateways do not reconnect in lockstep after an
/// origin restart, yet never retry at once. `base` is the configured initial delay, replaced by the
/// upstream's latest `retry:` (WHATWG HTML §9.2.6: the reconnection time is the server's to set), capped
/// at `maximum`: an origin cannot park a route's upstream for hours, or overflow the delay arithmetic,
/// with a huge `retry:` (issue 11 item 8).
public struct ReconnectBackoff: Sendable {
    public enum State: Sendable, Hashable {
        case idle
        /// Opening a connection; `failures` consecutive attempts failed before this one.
        case connecting(failures: Int)
        /// The origin answered 200 `text/event-stream`; `healthy` once an event arrived on it.
        case streaming(failures: Int, healthy: Bool)
        /// Waiting out a delay before the next attempt.
        case waiting(failures: Int)
        /// A final answer: no more attempts (EventSource "fail the connection").
        case failed
        case stopped
    }

    public enum Action: Sendable, Hashable {
        case connect
        case reconnect(after: Duration)
        case reportFinalFailure
        case closeConnection
        case none
    }

    public private(set) var state: State = .idle
    public let initial: Duration
    public let maximum: Duration
    /// The upstream's `retry:` in milliseconds once it sent one, capped at `maximum`.
    public private(set) var retryHint: Int?
    private let randomUnit: @Sendable () -> Double

    /// `randomUnit` returns a value in `0..<1`; tests inject a fixed one.
    public init(initial: Duration, maximum: Duration, randomUnit: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.initial = initial
        self.maximum = max(initial, maximum)
        self.randomUnit = randomUnit
    }

    public mutating func start() -> Action {
        switch state {
        case .idle:
            state = .connecting(failures: 0)
            return .connect
        case .connecting, .streaming, .waiting, .failed, .stopped:
            return .none
        }
    }

    /// The origin answered with a usable event stream.
    public mutating func responseAccepted() {
        switch state {
        case .connecting(let failures): state = .streaming(failures: failures, healthy: false)
        case .idle, .streaming, .waiting, .failed, .stopped: break
        }
    }

    /// An event arrived: the stream works, so the next drop starts the backoff from the beginning.
    public mutating func eventReceived() {
        switch state {
        case .streaming(_, healthy: false): state = .streaming(failures: 0, healthy: true)
        case .idle, .connecting, .streaming, .waiting, .failed, .stopped: break
        }
    }

    /// The origin's `retry:`; values above `maximum` count as `maximum`.
    public mutating func retryHintReceived(milliseconds: Int) {
        let maximumMilliseconds = maximum.components.seconds * 1000 + maximum.components.attoseconds / 1_000_000_000_000_000
        retryHint = min(max(milliseconds, 0), Int(clamping: maximumMilliseconds))
    }

    /// The connection failed or ended (connect error, TLS, timeout, 5xx/408/429, EOF, oversize event).
    public mutating func connectionLost() -> Action {
        switch state {
        case .connecting(let failures), .streaming(let failures, _):
            let next = failures + 1
            state = .waiting(failures: next)
            return .reconnect(after: delay(afterFailures: next))
        case .idle, .waiting, .failed, .stopped:
            return .none
        }
    }

    /// The origin gave a final answer (204, 4xx other than 408/429, not an event stream).
    public mutating func finalResponse() -> Action {
        switch state {
        case .connecting, .streaming:
            state = .failed
            return .reportFinalFailure
        case .idle, .waiting, .failed, .stopped:
            return .none
        }
    }

    /// The delay is over.
    public mutating func timerFired() -> Action {
        switch state {
        case .waiting(let failures):
            state = .connecting(failures: failures)
            return .connect
        case .idle, .connecting, .streaming, .failed, .stopped:
            return .none
        }
    }

    public mutating func stop() -> Action {
        switch state {
        case .connecting, .streaming:
            state = .stopped
            return .closeConnection
        case .idle, .waiting, .failed:
            state = .stopped
            return .none
        case .stopped:
            return .none
        }
    }

    /// The un-jittered delay after `failures` consecutive failures, then jittered into `[d/2, d]`.
    func delay(afterFailures failures: Int) -> Duration {
        let base = retryHint.map { Duration.milliseconds($0) } ?? initial
        let cap = maximum
        var delay = base
        for _ in 1..<max(1, failures) where delay < cap { delay *= 2 }
        delay = min(delay, cap)
        let unit = min(max(randomUnit(), 0), 1)
        return delay / 2 + delay / 2 * unit
    }
}
