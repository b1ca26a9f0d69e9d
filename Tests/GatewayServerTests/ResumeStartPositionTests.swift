import Foundation
import Testing

/// Where a stream starts: `Last-Event-ID: earliest` replays all history; `lastEventId` / `last_event_id`
/// query parameters stand in for the header (polyfills that cannot set headers); `replay_last: N` replays
/// the last N on a first connect only; no id means live only.
@Suite struct ResumeStartPositionTests {
    @Test(arguments: [false, true])
    func earliestReplaysAllHistoryThenLive(http1: Bool) async throws {
        let gateway = try await Resume.gateway()
        for number in 1...4 { try await Resume.publish(gateway, "early", "e\(number)") }
        let subscriber = try Resume.subscribe(gateway, "/events/early", lastEventID: "earliest", http1: http1)
        defer { subscriber.terminate() }
        _ = await Resume.waitForEvents(subscriber, count: 4)
        #expect(await gateway.waitForSubscribers("early", count: 1))
        try await Resume.publish(gateway, "early", "e5")
        let events = await Resume.waitForEvents(subscriber, count: 5)
        #expect(events.map(\.data) == ["e1", "e2", "e3", "e4", "e5"], "\(events)")
        #expect(events.allSatisfy { $0.type == nil }, "no gap expected: \(events)")
        await gateway.stop()
    }

    @Test(arguments: ["lastEventId", "last_event_id"])
    func queryParameterResumes(_ name: String) async throws {
        let gateway = try await Resume.gateway()
        var ids: [String] = []
        for number in 1...4 { ids.append(try await Resume.publish(gateway, "query", "e\(number)")) }
        let subscriber = try Resume.subscribe(gateway, "/events/query?\(name)=\(ids[1])")
        defer { subscriber.terminate() }
        _ = await Resume.waitForEvents(subscriber, count: 2)
        #expect(await gateway.waitForSubscribers("query", count: 1))
        try await Resume.publish(gateway, "query", "e5")
        let events = await Resume.waitForEvents(subscriber, count: 3)
        #expect(events.map(\.data) == ["e3", "e4", "e5"], "?\(name)=: \(events)")
        await gateway.stop()
    }

    @Test func headerWinsOverQueryParameter() async throws {
        let gateway = try await Resume.gateway()
        var ids: [String] = []
        for number in 1...4 { ids.append(try await Resume.publish(gateway, "both", "e\(number)")) }
        let subscriber = try Resume.subscribe(gateway, "/events/both?lastEventId=\(ids[0])", lastEventID: ids[2])
        defer { subscriber.terminate() }
        let events = await Resume.waitForEvents(subscriber, count: 1)
        try await Task.sleep(for: .milliseconds(300))
        #expect(Resume.events(subscriber.text).map(\.data) == ["e4"], "\(events)")
        await gateway.stop()
    }

    @Test func noIdIsLiveOnly() async throws {
        let gateway = try await Resume.gateway()
        for number in 1...3 { try await Resume.publish(gateway, "live", "old\(number)") }
        let subscriber = try Resume.subscribe(gateway, "/events/live")
        defer { subscriber.terminate() }
        #expect(await gateway.waitForSubscribers("live", count: 1))
        try await Resume.publish(gateway, "live", "new")
        let events = await Resume.waitForEvents(subscriber, count: 1)
        #expect(events.map(\.data) == ["new"], "\(events)")
        await gateway.stop()
    }

    @Test func replayLastOnFirstConnectOnly() async throws {
        let gateway = try await Resume.gateway([try Resume.route("/recent/{channel}", replayLast: 2)])
        var ids: [String] = []
        for number in 1...5 { ids.append(try await Resume.publish(gateway, "recent", "e\(number)")) }
        // First connect (no id): the last 2, then live.
        let first = try Resume.subscribe(gateway, "/recent/recent")
        defer { first.terminate() }
        _ = await Resume.waitForEvents(first, count: 2)
        #expect(await gateway.waitForSubscribers("recent", count: 1))
        ids.append(try await Resume.publish(gateway, "recent", "e6"))
        let events = await Resume.waitForEvents(first, count: 3)
        #expect(events.map(\.data) == ["e4", "e5", "e6"], "\(events)")
        #expect(events.map(\.id) == ids[3...5].map(Optional.some))
        first.terminate()
        // A reconnect with an id resumes exactly from it; replay_last does not apply.
        let again = try Resume.subscribe(gateway, "/recent/recent", lastEventID: ids[0])
        defer { again.terminate() }
        let resumed = await Resume.waitForEvents(again, count: 5)
        try await Task.sleep(for: .milliseconds(300))
        #expect(Resume.events(again.text).map(\.data) == ["e2", "e3", "e4", "e5", "e6"], "\(resumed)")
        await gateway.stop()
    }
}
