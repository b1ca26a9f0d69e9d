import GatewayUpstream
import Testing

/// The reconnect machine alone: each row is a sequence of events and the actions they must produce.
struct ReconnectBackoffTests {
    enum Step: Sendable, CustomStringConvertible {
        case start, accepted, event, lost, final, timer, stop, retry(Int)
        var description: String {
            switch self {
            case .start: "start"
            case .accepted: "accepted"
            case .event: "event"
            case .lost: "lost"
            case .final: "final"
            case .timer: "timer"
            case .stop: "stop"
            case .retry(let ms): "retry(\(ms))"
            }
        }
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var steps: [Step]
        var actions: [ReconnectBackoff.Action]
        var testDescription: String { name }
    }

    typealias A = ReconnectBackoff.Action

    static let rows: [Row] = [
        Row(name: "start connects once", steps: [.start, .start], actions: [.connect, .none]),
        Row(name: "failures double the delay up to the cap",
            steps: [.start, .lost, .timer, .lost, .timer, .lost, .timer, .lost, .timer, .lost, .timer, .lost],
            actions: [.connect, .reconnect(after: .seconds(1)), .connect, .reconnect(after: .seconds(2)), .connect,
                      .reconnect(after: .seconds(4)), .connect, .reconnect(after: .seconds(8)), .connect,
                      .reconnect(after: .seconds(10)), .connect, .reconnect(after: .seconds(10))]),
        Row(name: "an event resets the backoff",
            steps: [.start, .lost, .timer, .lost, .timer, .accepted, .event, .lost],
            actions: [.connect, .reconnect(after: .seconds(1)), .connect, .reconnect(after: .seconds(2)), .connect, .none, .none,
                      .reconnect(after: .seconds(1))]),
        Row(name: "accepted without events keeps counting",
            steps: [.start, .accepted, .lost, .timer, .accepted, .lost],
            actions: [.connect, .none, .reconnect(after: .seconds(1)), .connect, .none, .reconnect(after: .seconds(2))]),
        Row(name: "the upstream's retry replaces the initial delay",
            steps: [.start, .accepted, .retry(250), .event, .lost, .timer, .lost],
            actions: [.connect, .none, .none, .none, .reconnect(after: .milliseconds(250)), .connect, .reconnect(after: .milliseconds(500))]),
        // Issue 11 item 8: the origin's retry is capped at the route's reconnect maximum.
        Row(name: "a retry above the maximum is capped at it",
            steps: [.start, .retry(60_000), .lost, .timer, .lost],
            actions: [.connect, .none, .reconnect(after: .seconds(10)), .connect, .reconnect(after: .seconds(10))]),
        Row(name: "an absurd retry is capped too",
            steps: [.start, .retry(Int.max), .lost],
            actions: [.connect, .none, .reconnect(after: .seconds(10))]),
        Row(name: "a retry at the maximum is kept",
            steps: [.start, .retry(10_000), .lost],
            actions: [.connect, .none, .reconnect(after: .seconds(10))]),
        Row(name: "a final answer stops for good",
            steps: [.start, .final, .lost, .timer, .start],
            actions: [.connect, .reportFinalFailure, .none, .none, .none]),
        Row(name: "stop while streaming closes; while waiting cancels",
            steps: [.start, .accepted, .stop, .timer],
            actions: [.connect, .none, .closeConnection, .none]),
        Row(name: "stop while waiting",
            steps: [.start, .lost, .stop, .timer, .lost],
            actions: [.connect, .reconnect(after: .seconds(1)), .none, .none, .none]),
    ]

    @Test(arguments: rows)
    func table(_ row: Row) {
        // A random source of 1 gives the un-jittered delay, so the table reads as plain doubling.
        var machine = ReconnectBackoff(initial: .seconds(1), maximum: .seconds(10), randomUnit: { 1 })
        var actions: [A] = []
        for step in row.steps {
            switch step {
            case .start: actions.append(machine.start())
            case .accepted: machine.responseAccepted(); actions.append(.none)
            case .event: machine.eventReceived(); actions.append(.none)
            case .lost: actions.append(machine.connectionLost())
            case .final: actions.append(machine.finalResponse())
            case .timer: actions.append(machine.timerFired())
            case .stop: actions.append(machine.stop())
            case .retry(let ms): machine.retryHintReceived(milliseconds: ms); actions.append(.none)
            }
        }
        #expect(actions == row.actions, "\(row.steps)")
    }

    @Test func retryHintIsStoredCapped() {
        var machine = ReconnectBackoff(initial: .seconds(1), maximum: .milliseconds(2500))
        machine.retryHintReceived(milliseconds: 400)
        #expect(machine.retryHint == 400)
        machine.retryHintReceived(milliseconds: 86_400_000)
        #expect(machine.retryHint == 2500)
    }

    @Test(arguments: [(0.0, Duration.seconds(2)), (0.5, Duration.seconds(3)), (0.999_999, Duration.seconds(4))])
    func jitterSpreadsBetweenHalfAndAll(unit: Double, expected: Duration) {
        var machine = ReconnectBackoff(initial: .seconds(4), maximum: .seconds(30), randomUnit: { unit })
        _ = machine.start()
        guard case .reconnect(let delay) = machine.connectionLost() else {
            Issue.record("no reconnect")
            return
        }
        #expect(abs((delay - expected) / .milliseconds(1)) < 1)
    }
}
