import Foundation
import Testing

@testable import GatewayACME

/// The renewal state machine on plain dates: no network, no timers.
@Suite struct RenewalScheduleTests {
    /// A 90-day certificate issued at t0: due at day 60.
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let day: TimeInterval = 86_400
    static let policy = RenewalPolicy(initialBackoff: .seconds(60), maximumBackoff: .seconds(3600), jitter: 0.5)

    struct Step: Sendable, CustomStringConvertible {
        enum Event: Sendable {
            case installed(days: Double)
            case ask(atDay: Double)
            case failed(atDay: Double, random: Double)
        }
        var event: Event
        /// For `.ask`: the expected action; for `.failed`: the expected retry delay in seconds.
        var expectedAction: RenewalSchedule.Action?
        var expectedRetryDelay: TimeInterval?
        var description: String { "\(self.event)" }
    }

    static func at(_ days: Double) -> Date { t0.addingTimeInterval(days * day) }

    static let table: [(String, [Step])] = [
        // Nothing installed: order at once, and while it runs, wait for it.
        ("first start", [
            Step(event: .ask(atDay: 0), expectedAction: .orderNow),
            Step(event: .ask(atDay: 0), expectedAction: .waitForRunningOrder),
        ]),
        // A 90-day certificate is held until day 60 (two thirds), then renewed.
        ("two thirds", [
            Step(event: .installed(days: 90)),
            Step(event: .ask(atDay: 1), expectedAction: .waitUntil(at(60))),
            Step(event: .ask(atDay: 59.9), expectedAction: .waitUntil(at(60))),
            Step(event: .ask(atDay: 60), expectedAction: .orderNow),
        ]),
        // Failures double the delay from 60 s; jitter 0.5 with r = 0 halves it, r → 1 keeps it.
        ("backoff", [
            Step(event: .installed(days: 90)),
            Step(event: .ask(atDay: 60), expectedAction: .orderNow),
            Step(event: .failed(atDay: 60, random: 0), expectedRetryDelay: 30),
            Step(event: .ask(atDay: 60), expectedAction: .waitUntil(at(60).addingTimeInterval(30))),
            Step(event: .ask(atDay: 61), expectedAction: .orderNow),
            Step(event: .failed(atDay: 61, random: 0.5), expectedRetryDelay: 90),
            Step(event: .ask(atDay: 62), expectedAction: .orderNow),
            Step(event: .failed(atDay: 62, random: 0), expectedRetryDelay: 120),
        ]),
        // The doubling stops at the cap (3600 s): 60·2^9 would be 30720.
        ("cap", capSteps()),
        // A success resets the failures: the next failure starts again at the initial delay.
        ("reset", [
            Step(event: .ask(atDay: 0), expectedAction: .orderNow),
            Step(event: .failed(atDay: 0, random: 0), expectedRetryDelay: 30),
            Step(event: .ask(atDay: 1), expectedAction: .orderNow),
            Step(event: .failed(atDay: 1, random: 0), expectedRetryDelay: 60),
            Step(event: .installed(days: 30)),
            Step(event: .ask(atDay: 0), expectedAction: .waitUntil(at(20))),
            Step(event: .ask(atDay: 20), expectedAction: .orderNow),
            Step(event: .failed(atDay: 20, random: 0), expectedRetryDelay: 30),
        ]),
    ]

    static func capSteps() -> [Step] {
        var steps: [Step] = []
        for attempt in 0..<10 {
            let uncapped: TimeInterval = 60 * pow(2, Double(attempt))
            steps.append(Step(event: .ask(atDay: Double(attempt)), expectedAction: .orderNow))
            steps.append(Step(event: .failed(atDay: Double(attempt), random: 0.999_999), expectedRetryDelay: min(uncapped, 3600)))
        }
        return steps
    }

    @Test(arguments: table)
    func schedule(name: String, steps: [Step]) {
        var schedule = RenewalSchedule(policy: Self.policy)
        for step in steps {
            switch step.event {
            case .installed(let days):
                schedule.certificateInstalled(notBefore: Self.t0, notAfter: Self.at(days))
            case .ask(let day):
                #expect(schedule.nextAction(now: Self.at(day)) == step.expectedAction, "\(name): \(step)")
            case .failed(let day, let random):
                let retryAt = schedule.orderFailed(now: Self.at(day), random: random)
                let delay = retryAt.timeIntervalSince(Self.at(day))
                #expect(abs(delay - (step.expectedRetryDelay ?? -1)) < 0.01, "\(name): \(step) gave \(delay)")
            }
        }
    }

    @Test func failuresAreCountedAndExpiryKept() {
        var schedule = RenewalSchedule(policy: Self.policy)
        #expect(schedule.currentExpiry == nil)
        schedule.certificateInstalled(notBefore: Self.t0, notAfter: Self.at(90))
        _ = schedule.nextAction(now: Self.at(60))
        schedule.orderFailed(now: Self.at(60), random: 0)
        schedule.orderFailed(now: Self.at(60), random: 0)
        #expect(schedule.consecutiveFailures == 2)
        #expect(schedule.currentExpiry == Self.at(90))
        schedule.certificateInstalled(notBefore: Self.at(60), notAfter: Self.at(150))
        #expect(schedule.consecutiveFailures == 0)
        #expect(schedule.currentExpiry == Self.at(150))
    }

    @Test func randomJitterStaysInsideItsBand() {
        var schedule = RenewalSchedule(policy: RenewalPolicy(initialBackoff: .seconds(100), jitter: 0.25))
        for _ in 0..<50 {
            var copy = schedule
            let delay = copy.orderFailed(now: Self.t0).timeIntervalSince(Self.t0)
            #expect(delay >= 75 && delay <= 100)
        }
        _ = schedule.nextAction(now: Self.t0)
    }
}
