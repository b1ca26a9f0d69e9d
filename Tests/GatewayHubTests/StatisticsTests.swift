import GatewayHub
import GatewaySSE
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

/// What metrics read from the hub: deliveries counted per fan-out batch, history totals, channel summaries,
/// and one write-latency sample per batch.
struct StatisticsTests {
    private func event(_ data: String) throws -> ServerSentEvent { try ServerSentEvent(data: data) }

    @Test func deliveriesAreCountedOncePerBatch() throws {
        let loop = EmbeddedEventLoop()
        let samples = Mutex<[Duration]>([])
        let statistics = HubStatistics(writeLatencyObserver: { elapsed in samples.withLock { $0.append(elapsed) } })
        let hub = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits(), statistics: statistics)
        let subscribers = (0..<4).map { _ in RecordingSubscriber() }
        let subscriptions = subscribers.map { hub.subscribe($0, to: "news", on: loop).subscription }
        // Two publishes before the loop runs: one batch of 3 events for 4 subscribers.
        _ = hub.publish([try event("a"), try event("b")], to: "news")
        _ = hub.publish([try event("c")], to: "news")
        #expect(statistics.delivered == 0)
        loop.run()
        #expect(subscribers.allSatisfy { $0.received.count == 3 })
        #expect(statistics.delivered == 12)
        #expect(statistics.published == 3)
        // One latency sample for the batch, queued behind it on the loop.
        #expect(samples.withLock { $0.count } == 1)
        for subscription in subscriptions { subscription.cancel() }
    }

    @Test func historyTotalsFollowAppendsAndEvictions() throws {
        let hub = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits(count: 2))
        _ = hub.publish([try event("1"), try event("2"), try event("3")], to: "a")
        _ = hub.publish([try event("x")], to: "b")
        #expect(hub.statistics.historyEvents == 3)
        #expect(hub.statistics.evicted(.count) == 1)
        #expect(hub.statistics.historyBytes == hub.channelSummaries().map(\.historyBytes).reduce(0, +))
    }

    @Test func summariesNameHistoryBoundsAndSubscribers() throws {
        let loop = EmbeddedEventLoop()
        let hub = MemoryEngine(startEpoch: 5, defaultLimits: HistoryLimits(count: 2))
        let subscriber = RecordingSubscriber()
        let subscription = hub.subscribe(subscriber, to: "b", on: loop).subscription
        let cursors = hub.publish([try event("1"), try event("2"), try event("3")], to: "a").cursors
        let summaries = hub.channelSummaries()
        #expect(summaries.map(\.name) == ["a", "b"])
        let a = try #require(hub.channelSummary("a"))
        #expect(a.historyCount == 2)
        #expect(a.firstID == cursors[1])
        #expect(a.lastID == cursors[2])
        #expect(a.subscribers == 0)
        let b = try #require(summaries.last)
        #expect(b.subscribers == 1 && b.historyCount == 0 && b.firstID == nil && b.lastID == nil)
        #expect(hub.channelSummary("nothing") == nil)
        subscription.cancel()
    }
}
