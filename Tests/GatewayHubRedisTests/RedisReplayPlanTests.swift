@testable import GatewayHubRedis
import GatewayHub
import GatewaySSE
import NIOCore
import Testing

/// The subscribe rules over a Redis stream, table-tested: what to read and which gap, like `MemoryChannel`.
struct RedisReplayPlanTests {
    static let epoch: UInt64 = 1_700_000_000_000

    static func events(_ sequences: ClosedRange<UInt64>) -> [EncodedEvent] {
        sequences.map { EncodedEvent(cursor: EventCursor(epoch: epoch, sequence: $0), body: ByteBuffer(string: "data: \($0)\n\n"), publishedAt: .now(), targets: nil) }
    }

    @Test func liveStartsAtWhatTheNodeDelivered() {
        let plan = RedisReplayPlan(start: .live, epoch: Self.epoch, lastSequence: 10)
        #expect(plan.read == .nothing && plan.clientSequence == nil)
        let outcome = plan.outcome(channel: "c", epoch: Self.epoch, delivered: 10, read: [])
        #expect(outcome.gap == nil && outcome.replay.isEmpty && outcome.position == EventCursor(epoch: Self.epoch, sequence: 10))
    }

    @Test func afterACursorInHistoryReplaysTheRestWithNoGap() {
        let plan = RedisReplayPlan(start: .after(EventCursor(epoch: Self.epoch, sequence: 4)), epoch: Self.epoch, lastSequence: 10)
        #expect(plan.read == .after(sequence: 4) && plan.clientSequence == 4)
        let outcome = plan.outcome(channel: "c", epoch: Self.epoch, delivered: 10, read: Self.events(5...10))
        #expect(outcome.gap == nil)
        #expect(outcome.replay.map(\.cursor.sequence) == Array(5...10))
        #expect(outcome.position == EventCursor(epoch: Self.epoch, sequence: 4))
    }

    @Test func aClientAheadOfThisNodeStartsAtItsOwnPosition() {
        // It saw event 12 on another node; this node has delivered 10 so far; Redis has numbered 12.
        let plan = RedisReplayPlan(start: .after(EventCursor(epoch: Self.epoch, sequence: 12)), epoch: Self.epoch, lastSequence: 12)
        #expect(plan.clientSequence == 12 && plan.problem == .none)
        let outcome = plan.outcome(channel: "c", epoch: Self.epoch, delivered: 10, read: [])
        #expect(outcome.gap == nil && outcome.replay.isEmpty && outcome.position.sequence == 12)
    }

    @Test func trimmedPastTheClientIsAnEvictedGapWithWhatWasMissed() {
        let plan = RedisReplayPlan(start: .after(EventCursor(epoch: Self.epoch, sequence: 2)), epoch: Self.epoch, lastSequence: 10)
        let outcome = plan.outcome(channel: "c", epoch: Self.epoch, delivered: 10, read: Self.events(7...10))
        #expect(outcome.gap?.reason == .evicted)
        #expect(outcome.gap?.missed == EventCursor(epoch: Self.epoch, sequence: 3)...EventCursor(epoch: Self.epoch, sequence: 6))
        #expect(outcome.replay.count == 4 && outcome.position.sequence == 6)
        // Everything trimmed: the gap runs to what the node delivered.
        let empty = plan.outcome(channel: "c", epoch: Self.epoch, delivered: 10, read: [])
        #expect(empty.gap?.missed?.upperBound.sequence == 10 && empty.position.sequence == 10)
    }

    @Test(arguments: [
        (StartPosition.after(EventCursor(epoch: 5, sequence: 3)), HistoryGap.Reason.epochChanged),
        (StartPosition.after(EventCursor(epoch: epoch, sequence: 99)), HistoryGap.Reason.unknownPosition),
        (StartPosition.malformed, HistoryGap.Reason.malformed),
    ])
    func positionsThatCannotBeHonouredGiveTheirGap(_ start: StartPosition, _ reason: HistoryGap.Reason) {
        let plan = RedisReplayPlan(start: start, epoch: Self.epoch, lastSequence: 10)
        let read = plan.read == .nothing ? [] : Self.events(1...10)
        let outcome = plan.outcome(channel: "c", epoch: Self.epoch, delivered: 10, read: read)
        #expect(outcome.gap?.reason == reason)
        // Another life: all of this life's history is new to the client; otherwise nothing is replayed.
        #expect(outcome.replay.count == (reason == .epochChanged ? 10 : 0))
    }

    @Test func earliestAndLastNReadHistoryAndStandBeforeIt() {
        let earliest = RedisReplayPlan(start: .earliest, epoch: Self.epoch, lastSequence: 10)
        #expect(earliest.read == .after(sequence: 0))
        #expect(earliest.outcome(channel: "c", epoch: Self.epoch, delivered: 10, read: Self.events(3...10)).position.sequence == 2)
        let last = RedisReplayPlan(start: .last(3), epoch: Self.epoch, lastSequence: 10)
        #expect(last.read == .newest(count: 3))
        let outcome = last.outcome(channel: "c", epoch: Self.epoch, delivered: 10, read: Self.events(8...10))
        #expect(outcome.gap == nil && outcome.position.sequence == 7)
    }
}
