@testable import GatewayHubRedis
import GatewayRedis
import NIOCore
import Testing

struct RedisReaderStateMachineTests {
    @Test func readsWhenAChannelArrivesAndInterruptsOnceWhenTheSetChanges() {
        var machine = RedisReaderStateMachine()
        #expect(machine.channelsChanged(hasChannels: false) == .none)
        #expect(machine.channelsChanged(hasChannels: true) == .read(checkLivesFirst: false))
        #expect(machine.channelsChanged(hasChannels: true) == .interrupt)
        #expect(machine.channelsChanged(hasChannels: true) == .none)  // one interrupt per read
        #expect(machine.readSucceeded(hasChannels: true) == .read(checkLivesFirst: false))
        #expect(machine.channelsChanged(hasChannels: true) == .interrupt)
        #expect(machine.readSucceeded(hasChannels: false) == .none)
        #expect(machine.state == .idle)
    }

    @Test func failuresBackOffFurtherUntilAReadSucceedsAndChecksLivesFirst() {
        var machine = RedisReaderStateMachine()
        _ = machine.channelsChanged(hasChannels: true)
        #expect(machine.readFailed() == .scheduleRetry(failures: 1))
        #expect(machine.channelsChanged(hasChannels: true) == .none)  // the retry reads the current set
        #expect(machine.retryTimerFired(hasChannels: true) == .read(checkLivesFirst: true))
        #expect(machine.readFailed() == .scheduleRetry(failures: 2))
        #expect(machine.retryTimerFired(hasChannels: true) == .read(checkLivesFirst: true))
        #expect(machine.readSucceeded(hasChannels: true) == .read(checkLivesFirst: false))
        #expect(machine.readFailed() == .scheduleRetry(failures: 1))
        #expect(machine.retryTimerFired(hasChannels: false) == .none)
        #expect(machine.state == .idle)
    }

    @Test func stoppedDoesNothing() {
        var machine = RedisReaderStateMachine()
        _ = machine.channelsChanged(hasChannels: true)
        machine.stopRequested()
        #expect(machine.readFailed() == .none)
        #expect(machine.readSucceeded(hasChannels: true) == .none)
        #expect(machine.channelsChanged(hasChannels: true) == .none)
    }

    @Test func publishAnswersParseInBothShapes() throws {
        let fresh = try RedisPublishAnswer(.array([.integer(0), .bulkString(ByteBuffer(string: "1700000000000")), .integer(5), .integer(2)]))
        #expect(fresh == RedisPublishAnswer(epoch: 1_700_000_000_000, first: 5, count: 2, replayed: false))
        let replayed = try RedisPublishAnswer(.array([.integer(1), .bulkString(ByteBuffer(string: "1700000000000:5:2"))]))
        #expect(replayed == RedisPublishAnswer(epoch: 1_700_000_000_000, first: 5, count: 2, replayed: true))
        #expect(throws: RedisReplyError.self) { try RedisPublishAnswer(.array([.integer(0)])) }
    }

    @Test func entryIDsCarryTheSequenceFirst() {
        #expect(RedisChannelKeys.lastID(ofSequence: 7).description == "7-18446744073709551615")
        #expect(RedisChannelKeys.firstID(ofSequence: 8).description == "8-0")
        let id = RedisStreamID(milliseconds: 42, sequence: 1_700_000_000_123)
        #expect(RedisChannelKeys.sequence(of: id) == 42 && RedisChannelKeys.publishedMilliseconds(of: id) == 1_700_000_000_123)
        let keys = RedisChannelKeys(prefix: "p", channel: "news")
        #expect(keys.meta == "p:meta:news" && keys.stream == "p:stream:news")
    }
}
