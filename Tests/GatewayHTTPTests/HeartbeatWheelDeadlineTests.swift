import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayHTTP

/// The wheel's one-off deadlines (age limit, token warning, token expiry) beside its heartbeats: each is
/// called once, at its tick, and not at all for a stream that closed first.
@Suite struct HeartbeatWheelDeadlineTests {
    final class RecordingStream: TimedStream {
        var isOpen = true
        var lastWriteTick: Int64 = 0
        var visits: [(tick: Int64, what: String)] = []
        let wheel: HeartbeatWheel

        init(wheel: HeartbeatWheel) { self.wheel = wheel }

        func heartbeatDue() { visits.append((wheel.tick, "heartbeat")) }

        func deadlineReached(_ deadline: StreamDeadline) {
            let name = switch deadline {
            case .maxAge: "maxAge"
            case .authExpiring: "authExpiring"
            case .authExpired: "authExpired"
            case .stallCheck: "stallCheck"
            }
            visits.append((wheel.tick, name))
        }
    }

    @Test func deadlinesArriveOnceAtTheirTick() {
        let wheel = HeartbeatWheel(eventLoop: EmbeddedEventLoop())
        let stream = RecordingStream(wheel: wheel)
        wheel.add(stream, interval: .seconds(4))
        wheel.schedule(.authExpiring, for: stream, after: .milliseconds(2500))
        wheel.schedule(.authExpired, for: stream, after: .seconds(5))
        wheel.expire(stream, after: .seconds(9))
        for _ in 1...10 { wheel.advance() }
        let seen = stream.visits.map { "\($0.tick):\($0.what)" }
        // Deadlines round up to whole ticks, so they never come early; heartbeats every 4 quiet ticks.
        #expect(seen == ["3:authExpiring", "4:heartbeat", "5:authExpired", "8:heartbeat", "9:maxAge"])
        wheel.stop()
    }

    /// Every visit survives its packing into one word, stall checks with their full mark and a tick before
    /// the wheel's first.
    @Test(arguments: [
        StreamDeadline.maxAge, .authExpiring, .authExpired,
        .stallCheck(sent: 0, since: 0), .stallCheck(sent: .max, since: 123_456), .stallCheck(sent: 7, since: -3),
        .stallCheck(sent: 1 << 31, since: (1 << 28) - 1), .stallCheck(sent: 1, since: -(1 << 28)),
    ])
    func wheelVisitsPackIntoOneWord(_ deadline: StreamDeadline) {
        #expect(MemoryLayout<WheelVisit>.size == 8)
        guard case .deadline(let unpacked) = WheelVisit.deadline(deadline).kind else {
            Issue.record("\(deadline) came back as a heartbeat")
            return
        }
        #expect(unpacked == deadline)
        guard case .heartbeat(let ticks) = WheelVisit.heartbeat(intervalTicks: 15).kind else {
            Issue.record("a heartbeat came back as a deadline")
            return
        }
        #expect(ticks == 15)
    }

    @Test func aZeroDelayIsTheNextTick() {
        let wheel = HeartbeatWheel(eventLoop: EmbeddedEventLoop())
        let stream = RecordingStream(wheel: wheel)
        wheel.schedule(.authExpiring, for: stream, after: .zero)
        wheel.advance()
        #expect(stream.visits.map(\.what) == ["authExpiring"])
        wheel.stop()
    }

    @Test func closedStreamsAreNotCalled() {
        let wheel = HeartbeatWheel(eventLoop: EmbeddedEventLoop())
        let stream = RecordingStream(wheel: wheel)
        wheel.schedule(.authExpired, for: stream, after: .seconds(2))
        wheel.advance()
        stream.isOpen = false
        wheel.advance()
        #expect(stream.visits.isEmpty)
        wheel.stop()
    }
}
