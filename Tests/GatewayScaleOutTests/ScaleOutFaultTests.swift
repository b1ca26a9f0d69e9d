import Foundation
import GatewayTestSupport
import Testing

extension ScaleOutTests {
    /// Redis going away, coming back with or without its data, and history trimmed past a client.
    @Suite(.serialized) struct Faults {
        @Test func redisDownAnswers503AndStreamsStayOpenThenResumeWithNothingLost() async throws {
            let cluster = try await ScaleOutCluster.start(nodes: 2, appendOnly: true)
            defer { cluster.stop() }
            let (a, b) = (cluster.nodes[0], cluster.nodes[1])
            let subscriber = try cluster.subscribe(b, "/events/outage", maxTime: 40)
            #expect(await subscriber.waitForOutput(containing: ":ok"))
            #expect(try await a.publish("outage", "before").status == 200)
            #expect(await subscriber.waitForOutput { SSEEvent.messages($0) == ["before"] })

            cluster.redis.kill()
            let refused = try await a.publish("outage", "during")
            #expect(refused.status == 503, "\(refused)")
            #expect(refused.body.contains("\"code\":\"engine_unavailable\""), "\(refused.body)")
            // Heartbeats (every 1 s here) keep the stream open while Redis is away.
            let beforeOutage = subscriber.text.count
            try await Task.sleep(for: .seconds(3))
            #expect(subscriber.isRunning)
            #expect(subscriber.text.count > beforeOutage, "no heartbeat during the outage")

            try await cluster.redis.restart()
            var status = 0
            let deadline = ContinuousClock.now + .seconds(15)
            while status != 200, ContinuousClock.now < deadline {
                status = try await a.publish("outage", "after").status
                if status != 200 { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(status == 200)
            #expect(await subscriber.waitForOutput(timeout: .seconds(15)) { SSEEvent.messages($0) == ["before", "after"] }, "\(subscriber.text)")
            #expect(!subscriber.text.contains("stream-gap"))
        }

        @Test func redisRestartedEmptyIsSignalledAsAnEpochChange() async throws {
            let cluster = try await ScaleOutCluster.start(nodes: 2, appendOnly: false)
            defer { cluster.stop() }
            let (a, b) = (cluster.nodes[0], cluster.nodes[1])
            let subscriber = try cluster.subscribe(b, "/events/lives", maxTime: 40)
            #expect(await subscriber.waitForOutput(containing: ":ok"))
            #expect(try await a.publish("lives", "old life").status == 200)
            #expect(await subscriber.waitForOutput { SSEEvent.messages($0) == ["old life"] })
            let oldID = try #require(SSEEvent.parse(subscriber.text).last?.id)

            try await cluster.redis.restart()  // no AOF, no RDB: an empty dataset, a new run_id
            // The node finds the channel's life gone and ends its streams (clients come back with their id).
            #expect(await subscriber.waitForOutput(timeout: .seconds(20)) { _ in !subscriber.isRunning }, "stream not ended: \(subscriber.text)")
            var status = 0
            let deadline = ContinuousClock.now + .seconds(15)
            while status != 200, ContinuousClock.now < deadline {
                status = try await a.publish("lives", "new life").status
                if status != 200 { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(status == 200)
            let resumed = try cluster.subscribe(a, "/events/lives", lastEventID: oldID)
            _ = await resumed.waitForOutput { SSEEvent.messages($0).count >= 1 }
            let events = SSEEvent.parse(resumed.text)
            let gap = try #require(events.first { $0.type == "stream-gap" }, "\(resumed.text)")
            #expect(gap.json?["reason"] as? String == "epoch_changed", "\(gap)")
            #expect(SSEEvent.messages(resumed.text) == ["new life"], "\(resumed.text)")
        }

        @Test func historyTrimmedPastAClientGivesStreamGap() async throws {
            // count 10 (MAXLEN ~ trims whole nodes of about 100 entries) and a 2 s TTL (trimmed exactly).
            let cluster = try await ScaleOutCluster.start(nodes: 2, history: "{count: 10, ttl: 2s}")
            defer { cluster.stop() }
            let (a, b) = (cluster.nodes[0], cluster.nodes[1])
            // By count: 300 events in 3 requests of 100.
            var firstID: String?
            for batch in 0..<3 {
                let body = "[" + (1...100).map { #"{"data":"n\#(batch * 100 + $0)"}"# }.joined(separator: ",") + "]"
                let result = try await a.curl(["-X", "POST", "-H", "content-type: application/json", "--data-binary", body, a.plainURL + "/publish/counted"])
                let ids = (try? JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])?["ids"] as? [String]
                #expect(ids?.count == 100, "\(result)")
                if firstID == nil { firstID = ids?.first }
            }
            let counted: String = try #require(firstID)
            let resumed = try cluster.subscribe(b, "/events/counted", lastEventID: counted)
            _ = await resumed.waitForOutput { SSEEvent.parse($0).contains { $0.type == "stream-gap" } && SSEEvent.messages($0).last == "n300" }
            let gap = try #require(SSEEvent.parse(resumed.text).first { $0.type == "stream-gap" }, "\(resumed.text.prefix(500))")
            #expect(gap.json?["reason"] as? String == "evicted", "\(gap)")
            let messages = SSEEvent.messages(resumed.text)
            #expect(messages.last == "n300" && messages.count < 299, "\(messages.count) replayed")
            // The replay is contiguous up to the newest event after the gap.
            let numbers = messages.compactMap { Int($0.dropFirst()) }
            #expect(numbers == Array((numbers.first ?? 0)...300))

            // By TTL: two events, 2.5 s, then one more publish trims the old ones.
            let early = try await a.publish("aged", "early 1")
            #expect(try await a.publish("aged", "early 2").status == 200)
            try await Task.sleep(for: .milliseconds(2500))
            #expect(try await a.publish("aged", "late").status == 200)
            let earlyIDs = ((try? JSONSerialization.jsonObject(with: Data(early.body.utf8))) as? [String: Any])?["ids"] as? [String]
            let earlyID: String = try #require(earlyIDs?.first)
            let aged = try cluster.subscribe(b, "/events/aged", lastEventID: earlyID)
            _ = await aged.waitForOutput { SSEEvent.messages($0).contains("late") }
            let agedGap = try #require(SSEEvent.parse(aged.text).first { $0.type == "stream-gap" }, "\(aged.text)")
            #expect(agedGap.json?["reason"] as? String == "evicted")
            #expect(SSEEvent.messages(aged.text) == ["late"], "\(aged.text)")
        }

        @Test func aNodeThatFellBehindTheHistoryEndsItsStreamsAndTheyResumeToAnEvictedGap() async throws {
            let cluster = try await ScaleOutCluster.start(nodes: 2, history: "{count: 10}")
            defer { cluster.stop() }
            let (a, b) = (cluster.nodes[0], cluster.nodes[1])
            let subscriber = try cluster.subscribe(b, "/events/behind", maxTime: 40)
            #expect(await subscriber.waitForOutput(containing: ":ok"))
            #expect(try await a.publish("behind", "first").status == 200)
            #expect(await subscriber.waitForOutput { SSEEvent.messages($0) == ["first"] })
            let seen = try #require(SSEEvent.parse(subscriber.text).last?.id)

            // Node B freezes (SIGSTOP) while 300 events are published and trimmed to about 10..110.
            b.pause()
            for batch in 0..<3 {
                let body = "[" + (1...100).map { #"{"data":"n\#(batch * 100 + $0)"}"# }.joined(separator: ",") + "]"
                let result = try await a.curl(["-X", "POST", "-H", "content-type: application/json", "--data-binary", body, a.plainURL + "/publish/behind"])
                #expect(result.output.contains("\"ids\""), "\(result)")
            }
            b.resume()
            // B reads on, finds the hole, and ends its stream of the channel rather than skip it silently.
            #expect(await subscriber.waitForOutput(timeout: .seconds(20)) { _ in !subscriber.isRunning }, "stream not ended: \(subscriber.text.suffix(300))")
            let messages = SSEEvent.messages(subscriber.text)
            let numbers = messages.dropFirst().compactMap { Int($0.dropFirst()) }
            // What B delivered live before it noticed the hole is contiguous from n1: nothing skipped silently.
            #expect(numbers.enumerated().allSatisfy { $0.offset + 1 == $0.element }, "\(messages.prefix(5))")
            let resumed = try cluster.subscribe(b, "/events/behind", lastEventID: SSEEvent.parse(subscriber.text).last?.id ?? seen)
            _ = await resumed.waitForOutput { SSEEvent.messages($0).last == "n300" }
            let gap = try #require(SSEEvent.parse(resumed.text).first { $0.type == "stream-gap" }, "\(resumed.text.prefix(400))")
            #expect(gap.json?["reason"] as? String == "evicted", "\(gap)")
        }
    }
}
