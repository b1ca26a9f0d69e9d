import Foundation
@testable import GatewayHub
import GatewaySSE
import NIOCore
import NIOEmbedded
import NIOPosix
import Synchronization
import Testing

/// Start positions, replay and gaps, decided under the channel lock (no network).
@Suite struct ResumeTests {
    private func publish(_ hub: MemoryEngine, _ channel: String, _ values: ClosedRange<Int>, targets: Set<String>? = nil) throws -> [EventCursor] {
        try values.flatMap { hub.publish([try ServerSentEvent(data: "\($0)")], to: channel, targets: targets).cursors }
    }

    private func numbers(_ events: [EncodedEvent]) -> [Int] {
        events.compactMap { Int(String(buffer: $0.body).dropFirst("data: ".count).prefix { $0.isNumber }) }
    }

    @Test func resumeAfterACursorReplaysExactlyWhatFollows() throws {
        let loop = EmbeddedEventLoop()
        let hub = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits())
        let cursors = try publish(hub, "c", 1...10)
        let result = hub.subscribe(RecordingSubscriber(), to: "c", on: loop, from: .after(cursors[3]))
        #expect(numbers(result.replay) == Array(5...10))
        #expect(result.gap == nil)
        #expect(result.position == cursors[3])
        #expect(result.subscription.startAfter == 10)
    }

    @Test func upToDateCursorReplaysNothing() throws {
        let loop = EmbeddedEventLoop()
        let hub = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits())
        let cursors = try publish(hub, "c", 1...3)
        let result = hub.subscribe(RecordingSubscriber(), to: "c", on: loop, from: .after(cursors[2]))
        #expect(result.replay.isEmpty)
        #expect(result.gap == nil)
    }

    @Test func earliestAndLastN() throws {
        let loop = EmbeddedEventLoop()
        let hub = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits(count: 5))
        _ = try publish(hub, "c", 1...8)
        #expect(numbers(hub.subscribe(RecordingSubscriber(), to: "c", on: loop, from: .earliest).replay) == [4, 5, 6, 7, 8])
        let lastTwo = hub.subscribe(RecordingSubscriber(), to: "c", on: loop, from: .last(2))
        #expect(numbers(lastTwo.replay) == [7, 8])
        #expect(lastTwo.position.sequence == 6)
        #expect(hub.subscribe(RecordingSubscriber(), to: "c", on: loop, from: .live).replay.isEmpty)
    }

    @Test func evictedHistoryIsAGapWithTheMissedRange() throws {
        let loop = EmbeddedEventLoop()
        let hub = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits(count: 3))
        let cursors = try publish(hub, "c", 1...10)
        let result = hub.subscribe(RecordingSubscriber(), to: "c", on: loop, from: .after(cursors[1]))
        let gap = try #require(result.gap)
        #expect(gap.reason == .evicted)
        #expect(gap.missed == cursors[2]...cursors[6])
        #expect(numbers(result.replay) == [8, 9, 10])
        #expect(result.position == cursors[6])
        #expect(hub.statistics.evicted(.count) == 7)
        #expect(hub.statistics.gaps == 1)
    }

    @Test func ttlAndByteLimitsEvict() throws {
        let loop = EmbeddedEventLoop()
        let hub = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits(count: 100, bytes: 1 << 20, ttl: .seconds(10)))
        let start = NIODeadline.now()
        let old = hub.publish([try ServerSentEvent(data: "old")], to: "c", now: start).cursors[0]
        _ = hub.publish([try ServerSentEvent(data: "new")], to: "c", now: start + .seconds(9))
        let result = hub.subscribe(RecordingSubscriber(), to: "c", on: loop, from: .after(EventCursor(epoch: old.epoch, sequence: 0)), now: start + .seconds(11))
        #expect(result.gap?.reason == .evicted)
        #expect(String(buffer: try #require(result.replay.first).body) == "data: new\n\n")
        #expect(hub.statistics.evicted(.ttl) == 1)

        let small = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits(count: 100, bytes: 100))
        _ = small.publish([try ServerSentEvent(data: String(repeating: "x", count: 60))], to: "b")
        _ = small.publish([try ServerSentEvent(data: String(repeating: "y", count: 60))], to: "b")
        #expect(small.historyCount(channel: "b") == 1)
        #expect(small.statistics.evicted(.bytes) == 1)
    }

    @Test func globalBudgetMakesThePublishingChannelGiveBack() throws {
        let hub = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits(count: 1000, bytes: 1 << 20), historyBudget: 1000)
        for index in 0..<30 { _ = hub.publish([try ServerSentEvent(data: String(repeating: "z", count: 90))], to: "ch\(index % 3)") }
        #expect(hub.statistics.historyBytes <= 1000)
        #expect(hub.statistics.evicted(.budget) > 0)
    }

    @Test func otherEpochUnknownAndMalformedPositions() throws {
        let loop = EmbeddedEventLoop()
        let hub = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits())
        let cursors = try publish(hub, "c", 1...4)
        let otherEpoch = hub.subscribe(RecordingSubscriber(), to: "c", on: loop, from: .after(EventCursor(epoch: cursors[0].epoch - 5, sequence: 2)))
        #expect(otherEpoch.gap?.reason == .epochChanged)
        #expect(numbers(otherEpoch.replay) == [1, 2, 3, 4])  // all of this life is new to that client
        let ahead = hub.subscribe(RecordingSubscriber(), to: "c", on: loop, from: .after(EventCursor(epoch: cursors[0].epoch, sequence: 99)))
        #expect(ahead.gap?.reason == .unknownPosition)
        #expect(ahead.replay.isEmpty)
        let malformed = hub.subscribe(RecordingSubscriber(), to: "c", on: loop, from: .malformed)
        #expect(malformed.gap?.reason == .malformed)
        #expect(malformed.position == cursors[3])
    }

    /// A channel dropped when idle and made again gets a new epoch, so an old cursor is not misread as a
    /// position in the new life (which would silently skip its first events).
    @Test func recreatedChannelGetsANewEpoch() throws {
        let loop = EmbeddedEventLoop()
        let hub = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits(ttl: .seconds(1)))
        let old = try publish(hub, "c", 1...3)
        hub.sweep(now: .now() + .seconds(5))
        #expect(hub.channelCount == 0)
        let new = try publish(hub, "c", 1...2)
        #expect(new[0].epoch != old[0].epoch)
        let result = hub.subscribe(RecordingSubscriber(), to: "c", on: loop, from: .after(old[0]))
        #expect(result.gap?.reason == .epochChanged)
        #expect(numbers(result.replay) == [1, 2])
    }

    @Test func targetedEventsReachOnlyTheirSessionsLiveAndOnReplay() throws {
        let loop = EmbeddedEventLoop()
        let hub = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits())
        let alice = RecordingSubscriber(session: "alice"), bob = RecordingSubscriber(session: "bob"), anonymous = RecordingSubscriber()
        _ = hub.subscribe(alice, to: "c", on: loop)
        _ = hub.subscribe(bob, to: "c", on: loop)
        _ = hub.subscribe(anonymous, to: "c", on: loop)
        _ = hub.publish([try ServerSentEvent(data: "1")], to: "c", targets: ["alice"])
        _ = hub.publish([try ServerSentEvent(data: "2")], to: "c", targets: ["alice", "bob"])
        _ = hub.publish([try ServerSentEvent(data: "3")], to: "c")
        loop.run()
        #expect(numbers(alice.received) == [1, 2, 3])
        #expect(numbers(bob.received) == [2, 3])
        #expect(numbers(anonymous.received) == [3])
        #expect(numbers(hub.subscribe(RecordingSubscriber(session: "bob"), to: "c", on: loop, from: .earliest).replay) == [2, 3])
    }

    @Test func idempotencyKeyPublishesOnce() throws {
        let loop = EmbeddedEventLoop()
        let hub = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits())
        let subscriber = RecordingSubscriber()
        _ = hub.subscribe(subscriber, to: "c", on: loop)
        let first = hub.publish([try ServerSentEvent(data: "1")], to: "c", idempotencyKey: "k")
        let retry = hub.publish([try ServerSentEvent(data: "1")], to: "c", idempotencyKey: "k")
        let otherChannel = hub.publish([try ServerSentEvent(data: "1")], to: "d", idempotencyKey: "k")
        loop.run()
        #expect(retry.cursors == first.cursors)
        #expect(retry.replayed && !first.replayed && !otherChannel.replayed)
        #expect(numbers(subscriber.received) == [1])
        let later = hub.publish([try ServerSentEvent(data: "2")], to: "c", idempotencyKey: "k", now: .now() + .seconds(601))
        #expect(!later.replayed)
    }

    /// The hand-over guarantee under a real race: a publisher thread publishes 1…N without pause while
    /// subscribers join on event loops with a cursor; each sees exactly the events after its cursor, once,
    /// in order (replay ∪ live, no gap, no duplicate).
    @Test func replayAndLiveNeverOverlapNorGapUnderConcurrentPublishes() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let hub = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits(count: 10_000, bytes: 16 << 20))
        let total = 3000
        let cursors = Mutex<[EventCursor]>([])
        let publisher = Thread {
            for number in 1...total {
                let cursor = hub.publish([try! ServerSentEvent(data: "\(number)")], to: "race").cursors[0]
                cursors.withLock { $0.append(cursor) }
            }
        }
        publisher.start()
        var collectors: [(start: Int, collector: ThreadSafeCollector)] = []
        for index in 0..<20 {
            // Join at whatever point the publisher has reached, resuming from a recent cursor.
            try await Task.sleep(for: .microseconds(200 * index))
            let known = cursors.withLock { $0 }
            let startIndex = known.isEmpty ? 0 : Int.random(in: 0..<known.count)
            let start: StartPosition = known.isEmpty ? .earliest : .after(known[startIndex])
            let collector = ThreadSafeCollector()
            let loop = group.next()
            try await loop.submit {
                let result = hub.subscribe(collector, to: "race", on: loop, from: start)
                collector.append(self.numbers(result.replay))
                collector.keep(result.subscription)
            }.get()
            collectors.append((known.isEmpty ? 0 : startIndex + 1, collector))
        }
        while cursors.withLock({ $0.count }) < total { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(200))  // let the loops finish delivering
        for (start, collector) in collectors {
            // A collector that joined after the last event expects nothing (an empty range, not a crash).
            #expect(collector.values == Array((start + 1)..<(total + 1)), "joined after \(start): got \(collector.values.count) values")
        }
        try await group.shutdownGracefully()
    }
}

/// A subscriber whose received numbers can be read from the test task.
final class ThreadSafeCollector: HubSubscriber, @unchecked Sendable {
    private let state = Mutex<[Int]>([])
    private var subscription: HubSubscription?
    var session: String? { nil }

    func receive(_ event: EncodedEvent, channel: String) {
        let number = Int(String(buffer: event.body).dropFirst("data: ".count).prefix { $0.isNumber })!
        state.withLock { $0.append(number) }
    }

    func append(_ numbers: [Int]) { state.withLock { $0.append(contentsOf: numbers) } }
    func keep(_ subscription: HubSubscription) { self.subscription = subscription }
    var values: [Int] { state.withLock { $0 } }
}
