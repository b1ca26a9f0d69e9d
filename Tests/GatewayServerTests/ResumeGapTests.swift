import GatewayTestSupport
import Foundation
import GatewayConfig
import Testing

/// Gaps are never silent: whenever a resume cannot continue exactly, the stream first sends
/// `event: stream-gap` with the reason (and for evictions what was missed), carrying the id the stream
/// continues from, then what history still has, then live events.
@Suite struct ResumeGapTests {
    /// Publishes `count` numbered events ("<prefix>1"…) and returns their ids.
    private func publishNumbered(_ gateway: TestGateway, _ channel: String, _ count: Int, prefix: String = "e", path: String? = nil) async throws -> [String] {
        var ids: [String] = []
        for number in 1...count {
            ids.append(try await Resume.publish(gateway, channel, "\(prefix)\(number)", path: path))
        }
        return ids
    }

    private func expectGap(_ event: Resume.Event?, channel: String, reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(event?.type == "stream-gap", "expected a stream-gap first, got \(String(describing: event))", sourceLocation: sourceLocation)
        #expect(event?.json?["channel"] as? String == channel, "\(String(describing: event))", sourceLocation: sourceLocation)
        #expect(event?.json?["reason"] as? String == reason, "\(String(describing: event))", sourceLocation: sourceLocation)
        #expect(event?.id != nil, "stream-gap carries no id: \(String(describing: event))", sourceLocation: sourceLocation)
    }

    @Test func evictedByCountReportsWhatWasMissedThenReplaysTheRestThenLive() async throws {
        let gateway = try await Resume.gateway([try Resume.publishRoute("/publish-short/{channel}", history: HistoryOverride(count: 3))])
        let ids = try await publishNumbered(gateway, "short", 10, path: "/publish-short")
        let subscriber = try Resume.subscribe(gateway, "/events/short", lastEventID: ids[1])
        defer { subscriber.terminate() }
        let replayed = await Resume.waitForEvents(subscriber, count: 4)
        #expect(await gateway.waitForSubscribers("short", count: 1))
        try await Resume.publish(gateway, "short", "e11")
        let events = await Resume.waitForEvents(subscriber, count: 5)
        #expect(events.count == 5, "\(events)")
        expectGap(events.first, channel: "short", reason: "evicted")
        let missed = events.first?.json?["missed"] as? [String: Any]
        #expect(missed?["first"] as? String == ids[2], "missed: \(String(describing: missed)), ids \(ids)")
        #expect(missed?["last"] as? String == ids[6], "missed: \(String(describing: missed)), ids \(ids)")
        #expect(missed?["count"] as? Int == 5, "missed: \(String(describing: missed))")
        // The gap's id is where the stream continues: the last evicted event (7), so a client dropped right
        // after the gap resumes with 8.
        #expect(events.first?.id == ids[6], "gap id \(String(describing: events.first?.id)), ids \(ids)")
        #expect(events.dropFirst().map(\.data) == ["e8", "e9", "e10", "e11"], "\(events) (replayed before live: \(replayed))")
        #expect(Array(events.dropFirst().prefix(3).map(\.id)) == ids[7...9].map(Optional.some))
        await gateway.stop()
    }

    @Test func evictedByTTLReportsAGap() async throws {
        let gateway = try await Resume.gateway([try Resume.publishRoute("/publish-ttl/{channel}", history: HistoryOverride(ttl: .seconds(3)))])
        // TTL wide enough that the fresh events survive a loaded machine; the old ones are 3.5 s old.
        let old = try await publishNumbered(gateway, "ttl", 3, prefix: "old", path: "/publish-ttl")
        try await Task.sleep(for: .milliseconds(3500))
        let fresh = try await publishNumbered(gateway, "ttl", 2, prefix: "new", path: "/publish-ttl")
        let subscriber = try Resume.subscribe(gateway, "/events/ttl", lastEventID: old[0])
        defer { subscriber.terminate() }
        let events = await Resume.waitForEvents(subscriber, count: 3)
        expectGap(events.first, channel: "ttl", reason: "evicted")
        let missed = events.first?.json?["missed"] as? [String: Any]
        #expect(missed?["first"] as? String == old[1], "\(String(describing: missed)) old \(old)")
        #expect(missed?["last"] as? String == old[2], "\(String(describing: missed)) old \(old)")
        #expect(missed?["count"] as? Int == 2)
        #expect(events.dropFirst().map(\.data) == ["new1", "new2"], "\(events)")
        #expect(events.dropFirst().map(\.id) == fresh.map(Optional.some))
        await gateway.stop()
    }

    /// Checks a stream that resumed after `ids[0]` against history that lost some events: one `evicted` gap
    /// whose `missed` range starts right after the resume point, then the rest contiguously to the end.
    private func expectEvictionThenRest(_ events: [Resume.Event], channel: String, ids: [String], body: (Int) -> String, sourceLocation: SourceLocation = #_sourceLocation) {
        expectGap(events.first, channel: channel, reason: "evicted", sourceLocation: sourceLocation)
        let missed = events.first?.json?["missed"] as? [String: Any]
        #expect(missed?["first"] as? String == ids[1], "\(String(describing: missed)) ids \(ids)", sourceLocation: sourceLocation)
        let last = (missed?["last"] as? String).flatMap { ids.firstIndex(of: $0) } ?? -1
        #expect(last >= 1 && last < ids.count - 1, "missed.last \(String(describing: missed)) ids \(ids)", sourceLocation: sourceLocation)
        #expect(missed?["count"] as? Int == last, "missed.count: \(String(describing: missed))", sourceLocation: sourceLocation)
        #expect(events.first?.id == ids[max(last, 0)], "gap id \(String(describing: events.first?.id))", sourceLocation: sourceLocation)
        let rest = ((last + 1)..<ids.count).map { body($0 + 1) }
        #expect(events.dropFirst().map(\.data) == rest, "\(events)", sourceLocation: sourceLocation)
    }

    @Test func evictedByBytesReportsAGap() async throws {
        let gateway = try await Resume.gateway([try Resume.publishRoute("/publish-small/{channel}", history: HistoryOverride(bytes: 400))])
        let payload = String(repeating: "x", count: 90)
        var ids: [String] = []
        for number in 1...10 { ids.append(try await Resume.publish(gateway, "small", "s\(number)-\(payload)", path: "/publish-small")) }
        let subscriber = try Resume.subscribe(gateway, "/events/small", lastEventID: ids[0])
        defer { subscriber.terminate() }
        _ = await subscriber.waitForOutput { $0.contains("data: s10-\(payload)\n\n") }
        expectEvictionThenRest(Resume.events(subscriber.text), channel: "small", ids: ids) { "s\($0)-\(payload)" }
        await gateway.stop()
    }

    @Test func evictedByTheGlobalBudgetReportsAGap() async throws {
        let gateway = try await Resume.gateway { $0.history.maxTotalBytes = 600 }
        // Ten events of ~100 bytes: far over the 600-byte budget, far under the per-channel bounds.
        let payload = String(repeating: "y", count: 90)
        var ids: [String] = []
        for number in 1...10 { ids.append(try await Resume.publish(gateway, "global", "g\(number)-\(payload)")) }
        let subscriber = try Resume.subscribe(gateway, "/events/global", lastEventID: ids[0])
        defer { subscriber.terminate() }
        _ = await subscriber.waitForOutput { $0.contains("data: g10-\(payload)\n\n") }
        expectEvictionThenRest(Resume.events(subscriber.text), channel: "global", ids: ids) { "g\($0)-\(payload)" }
        await gateway.stop()
    }

    @Test func idOfAnotherEpochReportsEpochChangedAndReplaysAll() async throws {
        let gateway = try await Resume.gateway()
        let ids = try await publishNumbered(gateway, "epoch", 3)
        let epoch = try #require(Resume.cursor(ids[0])).epoch
        let otherEpoch = epoch == "1" ? "2" : "1"
        let subscriber = try Resume.subscribe(gateway, "/events/epoch", lastEventID: "\(otherEpoch)-2")
        defer { subscriber.terminate() }
        _ = await Resume.waitForEvents(subscriber, count: 4)
        #expect(await gateway.waitForSubscribers("epoch", count: 1))
        try await Resume.publish(gateway, "epoch", "e4")
        let events = await Resume.waitForEvents(subscriber, count: 5)
        expectGap(events.first, channel: "epoch", reason: "epoch_changed")
        #expect(events.first?.json?["missed"] == nil)
        #expect(events.dropFirst().map(\.data) == ["e1", "e2", "e3", "e4"], "\(events)")
        await gateway.stop()
    }

    @Test func sequenceBeyondTheLastReportsUnknownPositionThenLive() async throws {
        let gateway = try await Resume.gateway()
        let ids = try await publishNumbered(gateway, "ahead", 3)
        let cursor = try #require(Resume.cursor(ids[2]))
        let subscriber = try Resume.subscribe(gateway, "/events/ahead", lastEventID: "\(cursor.epoch)-\(String(cursor.sequence + 100, radix: 36))")
        defer { subscriber.terminate() }
        #expect(await gateway.waitForSubscribers("ahead", count: 1))
        _ = await Resume.waitForEvents(subscriber, count: 1)
        let live = try await Resume.publish(gateway, "ahead", "e4")
        let events = await Resume.waitForEvents(subscriber, count: 2)
        expectGap(events.first, channel: "ahead", reason: "unknown_position")
        #expect(events.first?.id == ids[2], "the gap should continue from the channel's current position")
        #expect(events.dropFirst().map(\.data) == ["e4"], "\(events)")
        #expect(events.last?.id == live)
        await gateway.stop()
    }

    @Test func malformedIdReportsMalformedThenLive() async throws {
        let gateway = try await Resume.gateway()
        _ = try await publishNumbered(gateway, "bad", 2)
        let subscriber = try Resume.subscribe(gateway, "/events/bad", lastEventID: "garbage")
        defer { subscriber.terminate() }
        #expect(await gateway.waitForSubscribers("bad", count: 1))
        _ = await Resume.waitForEvents(subscriber, count: 1)
        try await Resume.publish(gateway, "bad", "e3")
        let events = await Resume.waitForEvents(subscriber, count: 2)
        expectGap(events.first, channel: "bad", reason: "malformed")
        #expect(events.dropFirst().map(\.data) == ["e3"], "\(events)")
        await gateway.stop()
    }

    @Test func multiChannelIdWithWrongNumberOfPartsIsMalformed() async throws {
        let gateway = try await Resume.gateway([try Resume.route("/multi", maxChannels: 4)])
        let a = try await Resume.publish(gateway, "ma", "a1")
        try await Resume.publish(gateway, "mb", "b1")
        for wrong in [a, "\(a).\(a).\(a)"] {
            let subscriber = try Resume.subscribe(gateway, "/multi?channel=ma&channel=mb", lastEventID: wrong)
            defer { subscriber.terminate() }
            let events = await Resume.waitForEvents(subscriber, count: 2)
            #expect(events.count == 2, "\(wrong): \(events)")
            #expect(Set(events.compactMap { $0.json?["channel"] as? String }) == ["ma", "mb"], "\(wrong): \(events)")
            #expect(events.allSatisfy { $0.type == "stream-gap" && $0.json?["reason"] as? String == "malformed" }, "\(wrong): \(events)")
            // The gap's id names both channels.
            #expect(events.allSatisfy { $0.id?.split(separator: ".").count == 2 }, "\(wrong): \(events)")
        }
        await gateway.stop()
    }

    @Test func resumingAfterAGatewayRestartReportsEpochChanged() async throws {
        let first = try await Resume.gateway()
        let ids = try await publishNumbered(first, "restart", 3)
        await first.stop()
        let second = try await Resume.gateway()
        let subscriber = try Resume.subscribe(second, "/events/restart", lastEventID: ids[2])
        defer { subscriber.terminate() }
        #expect(await second.waitForSubscribers("restart", count: 1))
        _ = await Resume.waitForEvents(subscriber, count: 1)
        let live = try await Resume.publish(second, "restart", "after")
        let events = await Resume.waitForEvents(subscriber, count: 2)
        expectGap(events.first, channel: "restart", reason: "epoch_changed")
        #expect(events.dropFirst().map(\.data) == ["after"], "\(events)")
        #expect(events.last?.id == live)
        #expect(Resume.cursor(live)?.epoch != Resume.cursor(ids[2])?.epoch, "the restarted gateway reused the epoch: \(live) vs \(ids[2])")
        await second.stop()
    }
    @Test func channelRouteHistoryOverrideAppliesWhenTheSubscribeCreatesTheChannel() async throws {
        let gateway = try await Resume.gateway([try Resume.route("/short/{channel}", history: HistoryOverride(count: 3))])
        let first = try Resume.subscribe(gateway, "/short/made-by-subscribe")
        defer { first.terminate() }
        #expect(await gateway.waitForSubscribers("made-by-subscribe", count: 1))
        var ids: [String] = []
        for number in 1...10 { ids.append(try await Resume.publish(gateway, "made-by-subscribe", "e\(number)")) }
        let subscriber = try Resume.subscribe(gateway, "/events/made-by-subscribe", lastEventID: ids[1])
        defer { subscriber.terminate() }
        let events = await Resume.waitForEvents(subscriber, count: 4)
        expectGap(events.first, channel: "made-by-subscribe", reason: "evicted")
        let missed = events.first?.json?["missed"] as? [String: Any]
        #expect(missed?["first"] as? String == ids[2] && missed?["last"] as? String == ids[6] && missed?["count"] as? Int == 5, "\(String(describing: missed)) ids \(ids)")
        #expect(events.dropFirst().map(\.data) == ["e8", "e9", "e10"], "\(events)")
        await gateway.stop()
    }

    @Test func multiChannelResumeReportsTheEvictedChannelAndReplaysBoth() async throws {
        let gateway = try await Resume.gateway([
            try Resume.route("/multi", maxChannels: 4),
            try Resume.publishRoute("/publish-short/{channel}", history: HistoryOverride(count: 3)),
        ])
        var a: [String] = [], b: [String] = []
        for number in 1...6 {
            a.append(try await Resume.publish(gateway, "xa", "a\(number)", path: "/publish-short"))
            b.append(try await Resume.publish(gateway, "xb", "b\(number)"))
        }
        // Resume after a1/b1: xa kept only a4…a6 (a2, a3 evicted), xb has everything.
        let subscriber = try Resume.subscribe(gateway, "/multi?channel=xb&channel=xa", lastEventID: "\(a[0]).\(b[0])")
        defer { subscriber.terminate() }
        _ = await subscriber.waitForOutput { $0.contains("data: b6\n\n") && $0.contains("data: a6\n\n") }
        let events = Resume.events(subscriber.text)
        expectGap(events.first, channel: "xa", reason: "evicted")
        let missed = events.first?.json?["missed"] as? [String: Any]
        #expect(missed?["first"] as? String == a[1] && missed?["last"] as? String == a[2] && missed?["count"] as? Int == 2, "\(String(describing: missed))")
        #expect(events.first?.id == "\(a[2]).\(b[0])", "gap id: \(String(describing: events.first?.id))")
        let messages = events.dropFirst().map(\.data)
        #expect(messages.filter { $0.hasPrefix("a") } == ["a4", "a5", "a6"], "\(messages)")
        #expect(messages.filter { $0.hasPrefix("b") } == ["b2", "b3", "b4", "b5", "b6"], "\(messages)")
        #expect(events.last?.id == "\(a[5]).\(b[5])", "final id \(String(describing: events.last?.id))")
        await gateway.stop()
    }

    /// History that expired entirely, then an idle channel dropped by the sweep (every 10 s): a client
    /// that missed events still gets a gap (`evicted` or, once the channel was dropped, `epoch_changed`).
    @Test func expiredHistoryOfAnIdleChannelIsNeverSilent() async throws {
        let gateway = try await Resume.gateway([try Resume.publishRoute("/publish-ttl/{channel}", history: HistoryOverride(ttl: .milliseconds(300)))])
        let ids = [try await Resume.publish(gateway, "idle", "i1", path: "/publish-ttl"), try await Resume.publish(gateway, "idle", "i2", path: "/publish-ttl")]
        try await Task.sleep(for: .milliseconds(10_800))  // past the first sweep
        let subscriber = try Resume.subscribe(gateway, "/events/idle", lastEventID: ids[0])
        defer { subscriber.terminate() }
        let events = await Resume.waitForEvents(subscriber, count: 1, timeout: .seconds(3))
        #expect(events.first?.type == "stream-gap", "\(events)")
        let reason = events.first?.json?["reason"] as? String
        #expect(reason == "evicted" || reason == "epoch_changed", "\(events)")
        await gateway.stop()
    }

    /// Epochs are kept strictly increasing within one process (max(wall ms, last + 1)), so a burst of new
    /// channels runs them ahead of the wall clock; a gateway restarted before the clock catches up starts
    /// again from the wall clock and can hand a channel the very epoch of its previous life. A client's id
    /// from that life then resumes silently in the new one (wrong events, no `stream-gap`).
    @Test func restartAfterABurstOfNewChannelsDoesNotReuseAnEpoch() async throws {
        let routes = [try Resume.route("/many", channel: "{c}", maxChannels: 1000)]
        let script = Resume.clientsDirectory + "/epoch_burst.py"
        let first = try await Resume.gateway(routes)
        let burst = try await ChildProcess.run("python3", [script, String(first.plainPort), "b", "burst", "8000"])
        #expect(burst.status == 0, "\(burst)")
        var old: [String] = []
        for number in 1...3 { old.append(try await Resume.publish(first, "victim", "old\(number)")) }
        let oldEpoch = try #require(Resume.cursor(old[0])).epoch
        await first.stop()

        let second = try await Resume.gateway(routes)
        // Create channels in the new gateway until the next one would get the old epoch (if the clock has
        // caught up meanwhile, the new epochs are all later and nothing can collide).
        let reach = try await ChildProcess.run("python3", [script, String(second.plainPort), "n", "reach", oldEpoch])
        #expect(reach.status == 0, "\(reach)")
        var new: [String] = []
        for number in 1...5 { new.append(try await Resume.publish(second, "victim", "new\(number)")) }
        #expect(Resume.cursor(new[0])?.epoch != oldEpoch, "the restarted gateway gave channel 'victim' the epoch of its previous life (\(oldEpoch)): ids \(old) before, \(new) after the restart (\(reach.output.trimmingCharacters(in: .whitespacesAndNewlines)))")

        let subscriber = try Resume.subscribe(second, "/events/victim", lastEventID: old[2])
        defer { subscriber.terminate() }
        let events = await Resume.waitForEvents(subscriber, count: 2, timeout: .seconds(3))
        expectGap(events.first, channel: "victim", reason: "epoch_changed")
        await second.stop()
    }
}
