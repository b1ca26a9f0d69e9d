import GatewaySSE
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import GatewayHub

/// A publish to some sessions answers how many streams it reached, counted on the loops that hold them
/// (the channel keeps no per-session index).
@Suite struct TargetedReachTests {
    /// Counts what it received; read from the test thread after the answer, so behind a lock.
    final class Counter: HubSubscriber, Sendable {
        private let received = Mutex(0)
        let session: String?
        init(session: String?) { self.session = session }
        var count: Int { received.withLock { $0 } }
        func receive(_ event: EncodedEvent, channel: String) { received.withLock { $0 += 1 } }
    }

    private struct Joined: @unchecked Sendable { let subscription: HubSubscription }

    private func subscribe(_ engine: MemoryEngine, _ counter: Counter, on loop: any EventLoop) throws -> HubSubscription {
        try loop.submit { Joined(subscription: engine.subscribe(counter, to: "c", on: loop).subscription) }.wait().subscription
    }

    @Test func streamsOfTheTargetsAreCountedOnEveryLoopAfterTheyGotTheEvent() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        defer { try? group.syncShutdownGracefully() }
        let first = group.next(), second = group.next()
        #expect(first !== second)
        let engine = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits())
        let aliceHere = Counter(session: "alice"), aliceAlsoHere = Counter(session: "alice"), aliceThere = Counter(session: "alice")
        let bobThere = Counter(session: "bob"), anonymous = Counter(session: nil)
        let subscriptions = [
            try subscribe(engine, aliceHere, on: first),
            try subscribe(engine, aliceAlsoHere, on: first),
            try subscribe(engine, aliceThere, on: second),
            try subscribe(engine, bobThere, on: second),
            try subscribe(engine, anonymous, on: second),
        ]

        let toAlice = try engine.publish([try ServerSentEvent(data: "a")], to: "c", options: PublishOptions(targets: ["alice"]), on: first).wait()
        #expect(toAlice.subscribers == 3)
        // The count ran on each loop after that loop's delivery, so every counted stream has the event.
        #expect([aliceHere.count, aliceAlsoHere.count, aliceThere.count, bobThere.count, anonymous.count] == [1, 1, 1, 0, 0])

        let toBoth = try engine.publish([try ServerSentEvent(data: "b")], to: "c", options: PublishOptions(targets: ["alice", "bob"]), on: second).wait()
        #expect(toBoth.subscribers == 4)
        let toNobody = try engine.publish([try ServerSentEvent(data: "z")], to: "c", options: PublishOptions(targets: ["zed"]), on: first).wait()
        #expect(toNobody.subscribers == 0)
        let toEveryone = try engine.publish([try ServerSentEvent(data: "all")], to: "c", options: PublishOptions(), on: first).wait()
        #expect(toEveryone.subscribers == 5)

        try first.submit { subscriptions[0].cancel() }.wait()
        let afterOneLeft = try engine.publish([try ServerSentEvent(data: "c")], to: "c", options: PublishOptions(targets: ["alice"]), on: first).wait()
        #expect(afterOneLeft.subscribers == 2)
        let unknownChannel = try engine.publish([try ServerSentEvent(data: "d")], to: "elsewhere", options: PublishOptions(targets: ["alice"]), on: first).wait()
        #expect(unknownChannel.subscribers == 0)

        for (index, subscription) in subscriptions.enumerated() {
            try (index < 2 ? first : second).submit { subscription.cancel() }.wait()
        }
        #expect(engine.subscriberCount(channel: "c") == 0)
    }

    @Test func aReplayedTargetedPublishCountsTheStreamsNow() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let engine = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits())
        let options = PublishOptions(targets: ["alice"], idempotencyKey: "k")
        let before = try engine.publish([try ServerSentEvent(data: "x")], to: "c", options: options, on: loop).wait()
        #expect(before.subscribers == 0 && !before.replayed)
        let alice = Counter(session: "alice")
        let subscription = try subscribe(engine, alice, on: loop)
        let again = try engine.publish([try ServerSentEvent(data: "x")], to: "c", options: options, on: loop).wait()
        #expect(again.replayed && again.cursors == before.cursors)
        #expect(again.subscribers == 1, "nothing was published again, and the stream it is for is counted")
        #expect(alice.count == 0)
        try loop.submit { subscription.cancel() }.wait()
    }
}
