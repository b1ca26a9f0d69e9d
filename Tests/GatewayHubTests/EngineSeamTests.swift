import GatewaySSE
import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayHub

/// The memory engine through the `HubEngine` protocol, as the application uses it: futures that are
/// complete at once, the same ids and hand-over as the direct calls.
@Suite struct EngineSeamTests {
    final class Collector: HubSubscriber {
        var events: [String] = []
        let session: String?
        init(session: String? = nil) { self.session = session }
        func receive(_ event: EncodedEvent, channel: String) { events.append(String(buffer: event.body)) }
    }

    @Test func publishAndSubscribeThroughTheProtocol() throws {
        let loop = EmbeddedEventLoop()
        let engine: any HubEngine = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits())
        let first = try engine.publish([try ServerSentEvent(data: "one")], to: "c", options: PublishOptions(), on: loop).wait()
        #expect(first.cursors.count == 1 && first.subscribers == 0)

        let collector = Collector()
        let joined = try engine.subscribe(collector, to: "c", on: loop, from: .earliest, limits: nil).wait()
        #expect(joined.replay.map { String(buffer: $0.body) } == ["data: one\n\n"])
        #expect(engine.subscriberCount(channel: "c") == 1)

        let second = try engine.publish([try ServerSentEvent(data: "two")], to: "c", options: PublishOptions(), on: loop).wait()
        #expect(second.subscribers == 1)
        #expect(second.cursors[0].sequence == first.cursors[0].sequence + 1)
        loop.run()
        #expect(collector.events == ["data: two\n\n"], "live events after the replay, none twice")
        joined.subscription.cancel()
        #expect(engine.subscriberCount(channel: "c") == 0)
    }

    @Test func targetedPublishCountsOnlyTheTargetsStreams() throws {
        let loop = EmbeddedEventLoop()
        let engine = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits())
        let a = Collector(session: "A"), b = Collector(session: "B")
        let joinedA = engine.subscribe(a, to: "c", on: loop)
        let joinedB = engine.subscribe(b, to: "c", on: loop)
        // The targets' streams are counted on their loop, after the delivery queued there.
        let answer = engine.publish([try ServerSentEvent(data: "x")], to: "c", options: PublishOptions(targets: ["A"]), on: loop)
        loop.run()
        #expect(try answer.wait().subscribers == 1)
        #expect(a.events == ["data: x\n\n"] && b.events.isEmpty)
        joinedA.subscription.cancel()
        joinedB.subscription.cancel()
    }
}
