import GatewayTestSupport
import Foundation
import GatewayConfig
import Testing

/// Sessions and unicast: `stream-open` names the stream's session; `POST /publish/{channel}?session=…`
/// reaches the streams of those sessions only, live (HTTP/2 and HTTP/1.1) and on replay.
@Suite struct ResumeSessionTests {
    private func openRoute() throws -> [RouteConfiguration] { [try Resume.route("/open/{channel}", streamOpenEvent: true)] }

    @Test func streamOpenCarriesProposedAndGeneratedSessions() async throws {
        let gateway = try await Resume.gateway(openRoute())
        let proposed = try Resume.subscribe(gateway, "/open/hello?session=alice_01-x")
        defer { proposed.terminate() }
        let generated = try Resume.subscribe(gateway, "/open/hello")
        defer { generated.terminate() }
        let first = await Resume.waitForEvents(proposed, count: 1)
        #expect(first.first?.type == "stream-open", "\(first)")
        #expect(first.first?.json?["session"] as? String == "alice_01-x", "\(first)")
        let second = await Resume.waitForEvents(generated, count: 1)
        #expect(second.first?.type == "stream-open", "\(second)")
        let session = second.first?.json?["session"] as? String ?? ""
        #expect(session.range(of: "^[A-Za-z0-9_-]{1,64}$", options: .regularExpression) != nil, "generated session \(session)")
        // An invalid proposal is refused.
        let refused = try await gateway.curl(["\(gateway.tlsURL)/open/hello?session=bad%20id"])
        #expect(refused.status == 400, "\(refused)")
        await gateway.stop()
    }

    @Test func unicastReachesOnlyTheTargetedSessionsOverHTTP2AndHTTP1() async throws {
        let gateway = try await Resume.gateway(openRoute())
        let alice = try Resume.subscribe(gateway, "/open/uni?session=alice")
        defer { alice.terminate() }
        let bob = try Resume.subscribe(gateway, "/open/uni?session=bob")
        defer { bob.terminate() }
        let carol = try Resume.subscribe(gateway, "/open/uni?session=carol", http1: true)
        defer { carol.terminate() }
        #expect(await gateway.waitForSubscribers("uni", count: 3))

        try await Resume.publish(gateway, "uni", "for-alice", query: "?session=alice")
        try await Resume.publish(gateway, "uni", "for-bob-and-carol", query: "?session=bob&session=carol")
        try await Resume.publish(gateway, "uni", "for-all")
        // stream-open + what each should get; the broadcast last, so its arrival means the others came first.
        let expected = ["alice": ["for-alice", "for-all"], "bob": ["for-bob-and-carol", "for-all"], "carol": ["for-bob-and-carol", "for-all"]]
        for (name, child) in [("alice", alice), ("bob", bob), ("carol", carol)] {
            _ = await child.waitForOutput { $0.contains("data: for-all\n\n") }
            let messages = Resume.events(child.text).filter { $0.type == nil }.map(\.data)
            #expect(messages == expected[name], "\(name) got \(messages)")
        }
        await gateway.stop()
    }

    /// The publish answer's `subscribers` for a unicast: the streams it was delivered to (here 1 of 3),
    /// not every stream of the channel.
    @Test func unicastPublishAnswerCountsTheTargetedStreams() async throws {
        let gateway = try await Resume.gateway(openRoute())
        var children: [ChildProcess] = []
        defer { children.forEach { $0.terminate() } }
        for name in ["alice", "bob", "carol"] { children.append(try Resume.subscribe(gateway, "/open/count?session=\(name)")) }
        #expect(await gateway.waitForSubscribers("count", count: 3))
        let toAlice = try await Resume.publishAnswer(gateway, "count", "for-alice", query: "?session=alice")
        #expect(toAlice["subscribers"] as? Int == 1, "unicast to 1 of 3 streams answered \(toAlice)")
        let toNobody = try await Resume.publishAnswer(gateway, "count", "for-nobody", query: "?session=zed")
        #expect(toNobody["subscribers"] as? Int == 0, "unicast to a session with no stream answered \(toNobody)")
        await gateway.stop()
    }

    @Test func replayHonoursTargets() async throws {
        let gateway = try await Resume.gateway(openRoute())
        // The first client leaves once it has b1. Not by curl --max-time: under a full parallel run the
        // subscriber count can be polled only after a short-lived curl has already gone.
        let first = try Resume.subscribe(gateway, "/open/replay?session=alice")
        #expect(await gateway.waitForSubscribers("replay", count: 1))
        try await Resume.publish(gateway, "replay", "b1")
        #expect(await first.waitForOutput(containing: "data: b1\n\n"), "\(first.text)")
        first.terminate()
        _ = await first.waitForExit(timeout: .seconds(5))
        let seen = Resume.events(first.text)
        let lastID = try #require(seen.last?.id, "\(seen)")
        #expect(seen.map(\.data).last == "b1", "\(seen)")
        #expect(await gateway.waitForSubscribers("replay", count: 0), "the first client is gone, its subscription is not")

        let missed = try await Resume.publishAnswer(gateway, "replay", "missed-by-alice", query: "?session=alice")
        #expect(missed["subscribers"] as? Int == 0, "\(missed)")
        try await Resume.publish(gateway, "replay", "for-bob", query: "?session=bob")
        try await Resume.publish(gateway, "replay", "b2")

        let alice = try Resume.subscribe(gateway, "/open/replay?session=alice", lastEventID: lastID)
        defer { alice.terminate() }
        let dave = try Resume.subscribe(gateway, "/open/replay?session=dave", lastEventID: lastID)
        defer { dave.terminate() }
        for child in [alice, dave] { _ = await child.waitForOutput { $0.contains("data: b2\n\n") } }
        #expect(Resume.events(alice.text).filter { $0.type == nil }.map(\.data) == ["missed-by-alice", "b2"], "\(alice.text)")
        #expect(Resume.events(dave.text).filter { $0.type == nil }.map(\.data) == ["b2"], "\(dave.text)")
        await gateway.stop()
    }
}
