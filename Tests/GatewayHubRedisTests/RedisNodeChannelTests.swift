@testable import GatewayHubRedis
import GatewayHub
import GatewayRedis
import NIOCore
import Testing

/// How a node hands entries to its feed: in order, once, and never past a hole or another life.
struct RedisNodeChannelTests {
    static let epoch: UInt64 = 1_700_000_000_000

    static func entry(_ sequence: UInt64, epoch: UInt64 = epoch) -> RedisStreamEntry {
        RedisStreamEntry(id: RedisStreamID(milliseconds: sequence, sequence: 1_700_000_000_500), fields: [
            .init(name: "d", value: ByteBuffer(string: "data: \(sequence)\n\n")),
            .init(name: "p", value: ByteBuffer(string: String(epoch))),
        ])
    }

    static func channel(delivered: UInt64) -> RedisNodeChannel {
        RedisNodeChannel(keys: RedisChannelKeys(prefix: "t", channel: "c"), epoch: epoch, delivered: delivered, limits: HistoryLimits())
    }

    @Test func deliversNewEntriesInOrderAndSkipsWhatItAlreadyDelivered() {
        let channel = Self.channel(delivered: 3)
        #expect(channel.deliver((2...6).map { Self.entry($0) }, clock: WallToMonotonic()) == .delivered(events: 3))
        #expect(channel.delivered == 6)
        #expect(channel.readPosition.after == "6-18446744073709551615")
        #expect(channel.deliver((5...6).map { Self.entry($0) }, clock: WallToMonotonic()) == .delivered(events: 0))
    }

    @Test func aHoleInTheSequenceMeansTheNodeFellBehindTheHistory() {
        let channel = Self.channel(delivered: 3)
        let outcome = channel.deliver([Self.entry(4), Self.entry(9), Self.entry(10)], clock: WallToMonotonic())
        #expect(outcome == .fellBehind(missed: 5...8))
        #expect(channel.delivered == 4)  // what came before the hole was delivered
    }

    @Test func anEntryOfAnotherLifeStopsTheBatch() {
        let channel = Self.channel(delivered: 0)
        let outcome = channel.deliver([Self.entry(1), Self.entry(2, epoch: Self.epoch + 5)], clock: WallToMonotonic())
        #expect(outcome == .epochChanged(Self.epoch + 5))
        #expect(channel.delivered == 1)
    }

    @Test func aRetiredChannelDeliversNothingAndRefusesJoins() {
        let channel = Self.channel(delivered: 0)
        #expect(channel.retireIfIdle())
        #expect(channel.deliver([Self.entry(1)], clock: WallToMonotonic()) == .delivered(events: 0))
        #expect(!channel.beginJoin())
    }
}
