import Foundation
import GatewayTestSupport
import Testing

/// Stream lifetime and publish retries: `max_age` ends a stream cleanly (END_STREAM, not a reset) and a
/// client resuming with its last id loses nothing published meanwhile; an `Idempotency-Key` repeat returns
/// the same ids and delivers nothing new.
@Suite struct ResumeLifetimeTests {
    @Test func maxAgeEndsTheStreamCleanlyAndResumeLosesNothing() async throws {
        // max_age 4 s. Nothing below needs this test's task to run within a stream's 4 s: in a full parallel
        // run it can be scheduled seconds late (CI once saw it miss a whole stream's life). Each event is
        // published so that it reaches the stream either from history (the stream opens after it) or live.
        let gateway = try await Resume.gateway([try Resume.route("/aged/{channel}", maxAge: .seconds(4))])
        let zero = try await Resume.publish(gateway, "aged", "zero")
        // The lifetime as curl measured it (first response byte to the end, written to stderr), not the test's
        // clock: under a full parallel run this task can be scheduled seconds after curl has exited.
        let subscriber = try ChildProcess("curl", ["-sS", "-N", "--max-time", "15", "--cacert", gateway.caPath, "--http2", "-H", "Last-Event-ID: \(zero)",
                                                   "-w", "%{stderr}<%{time_starttransfer} %{time_total}>", gateway.tlsURL + "/aged/aged"])
        try await Resume.publish(gateway, "aged", "before")
        // curl exits 0 on END_STREAM; an RST_STREAM would be exit 92 (HTTP/2 stream error), the timeout 28.
        let status = await subscriber.waitForExit(timeout: .seconds(14))
        #expect(status == 0, "stream did not end cleanly: exit \(status) \(subscriber.errorText)")
        let times = subscriber.errorText.split(separator: "<").last?.dropLast().split(separator: " ").compactMap { Double($0) } ?? []
        let lifetime = times.count == 2 ? times[1] - times[0] : -1
        // 4 s less up to 10 % of jitter, plus up to one heartbeat-wheel tick (1 s).
        #expect(lifetime >= 3.0 && lifetime <= 5.5, "max_age 4 s (jitter 10 %) ended after \(lifetime) s: \(subscriber.errorText)")
        let seen = Resume.events(subscriber.text)
        #expect(seen.map(\.data) == ["before"], "\(seen)")
        #expect(await gateway.waitForSubscribers("aged", count: 0))

        // Away: two events. Then resume, publish one more, and keep resuming with the last id each time a
        // stream reaches its age, until the last event came: together exactly the three, in order.
        try await Resume.publish(gateway, "aged", "while-away-1")
        try await Resume.publish(gateway, "aged", "while-away-2")
        var lastID = try #require(seen.last?.id)
        var resumed: [Resume.Event] = []
        for attempt in 0..<3 where !resumed.contains(where: { $0.data == "live" }) {
            let again = try Resume.subscribe(gateway, "/aged/aged", lastEventID: lastID, maxTime: 12)
            defer { again.terminate() }
            if attempt == 0 {
                _ = await Resume.waitForEvents(again, count: 2)
                try await Resume.publish(gateway, "aged", "live")
            }
            #expect(await again.waitForExit(timeout: .seconds(14)) == 0, "resumed stream did not end cleanly: \(again.errorText)")
            let events = Resume.events(again.text)
            resumed += events
            lastID = events.last?.id ?? lastID
        }
        #expect(resumed.map(\.data) == ["while-away-1", "while-away-2", "live"], "\(resumed)")
        await gateway.stop()
    }

    @Test func maxAgeEndsHTTP11StreamCleanly() async throws {
        let gateway = try await Resume.gateway([try Resume.route("/aged/{channel}", maxAge: .seconds(2))])
        let subscriber = try Resume.subscribe(gateway, "/aged/aged1", http1: true, maxTime: 10)
        let status = await subscriber.waitForExit(timeout: .seconds(8))
        #expect(status == 0, "HTTP/1.1 stream did not end cleanly (chunked terminator): exit \(status) \(subscriber.errorText)")
        await gateway.stop()
    }

    @Test func idempotencyKeyRepeatReturnsSameIdsAndDeliversOnce() async throws {
        let gateway = try await Resume.gateway()
        let subscriber = try Resume.subscribe(gateway, "/events/idem")
        defer { subscriber.terminate() }
        #expect(await gateway.waitForSubscribers("idem", count: 1))
        let first = try await Resume.publishAnswer(gateway, "idem", "once", headers: ["Idempotency-Key: key-1"])
        let repeated = try await Resume.publishAnswer(gateway, "idem", "once", headers: ["Idempotency-Key: key-1"])
        let other = try await Resume.publishAnswer(gateway, "idem", "twice", headers: ["Idempotency-Key: key-2"])
        #expect(first["duplicate"] as? Bool == false, "\(first)")
        #expect(repeated["duplicate"] as? Bool == true, "\(repeated)")
        #expect(other["duplicate"] as? Bool == false, "\(other)")
        let firstIDs = first["ids"] as? [String]
        #expect(firstIDs != nil && repeated["ids"] as? [String] == firstIDs, "first \(first), repeat \(repeated)")
        #expect(other["ids"] as? [String] != firstIDs, "a different key must publish a new event: \(other)")
        #expect(first["channel"] as? String == "idem" && first["subscribers"] as? Int == 1, "\(first)")
        _ = await subscriber.waitForOutput { $0.contains("data: twice\n\n") }
        let events = Resume.events(subscriber.text)
        #expect(events.map(\.data) == ["once", "twice"], "\(events)")
        // Also on replay: history holds the event once.
        let replay = try Resume.subscribe(gateway, "/events/idem", lastEventID: "earliest")
        defer { replay.terminate() }
        _ = await replay.waitForOutput { $0.contains("data: twice\n\n") }
        #expect(Resume.events(replay.text).map(\.data) == ["once", "twice"], "\(replay.text)")
        await gateway.stop()
    }

    @Test func retryHintHasJitterWithinBounds() async throws {
        var route = try Resume.route("/retry/{channel}")
        route.retry = .seconds(1)
        let gateway = try await Resume.gateway([route])
        var hints: Set<Int> = []
        for _ in 0..<6 {
            let answer = try await gateway.curl(["-N", "--max-time", "1", "\(gateway.tlsURL)/retry/r"])
            if let hint = answer.body.components(separatedBy: "retry: ").dropFirst().first.flatMap({ Int($0.prefix { $0.isNumber }) }) { hints.insert(hint) }
        }
        #expect(!hints.isEmpty)
        #expect(hints.allSatisfy { (1000...1500).contains($0) }, "retry 1 s with jitter 0.5: \(hints)")
        #expect(hints.count > 1, "six streams all got the same retry hint: \(hints)")
        await gateway.stop()
    }
}
