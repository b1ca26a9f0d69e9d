import GatewayTestSupport
import Foundation
import GatewayConfig
import GatewayRouting
@testable import GatewayApp
@testable import GatewayServer
import Testing

/// Clients abusing `upstream:` routes (issue 11 item 3): a real origin, the gateway, curl over TLS, and a
/// Witness on an internal channel that must keep receiving while each attack runs.
@Suite(.serialized) struct UpstreamAbuseTests {
    private func start(
        _ origin: TestOrigin,
        path: String = "/stream?symbol={symbol}",
        pattern: String = "/prices/{symbol}",
        replayLast: Int? = nil,
        configure: (inout UpstreamRoute) -> Void = { _ in },
        settings: (inout UpstreamSettings) -> Void = { _ in }
    ) async throws -> TestGateway {
        var route = UpstreamRoute(url: try UpstreamURLTemplate(origin.url + path))
        route.connection.reconnectInitial = .milliseconds(50)
        route.connection.reconnectMaximum = .milliseconds(500)
        configure(&route)
        let configured = route
        return try await TestGateway.start { configuration in
            configuration.routes.insert(
                RouteConfiguration(route: Route(pattern: try! RoutePattern(pattern), action: .upstream(configured)), replayLast: replayLast),
                at: 0)
            settings(&configuration.upstreams)
        }
    }

    private func subscribe(_ gateway: TestGateway, _ path: String, maxTime: Int = 30) throws -> ChildProcess {
        try ChildProcess("curl", ["-sS", "-N", "--http2", "--max-time", "\(maxTime)", "--cacert", gateway.caPath, "\(gateway.tlsURL)\(path)"])
    }

    /// Finding 5: a per-client request refused after its slot was taken (a bad `?session=`) never gave the
    /// slot back, so `max_connections` such requests shut every upstream route with 502 `upstream_limit`.
    @Test func refusedPerClientRequestsLeakNoSlots() async throws {
        let origin = try await TestOrigin.start()
        let gateway = try await start(origin, configure: { $0.mode = .perClient }, settings: { $0.maxConnections = 3 })
        let witness = try await Witness.start(gateway)
        for _ in 0..<10 {
            let refused = try await gateway.curl(["--http2", "\(gateway.tlsURL)/prices/ACME?session=%21"])
            #expect(refused.status == 400)
            #expect(refused.body.contains("\"code\":\"invalid_session\""), "\(refused.body)")
        }
        #expect(gateway.server.upstreams.clientStreamCount == 0, "a refused request still holds a slot")
        #expect(origin.connectionCount == 0, "a refused request reached the origin")
        origin.publish(1)
        let valid = try subscribe(gateway, "/prices/ACME")
        defer { valid.terminate() }
        #expect(await valid.waitForOutput(containing: "data: event 1\n"), "\(valid.text) \(valid.errorText)")
        #expect(await witness.finish() == nil)
        await gateway.stop()
        await origin.shutdown()
    }

    /// Finding 6: a shared route validates the whole request before it creates a registry entry, so a
    /// refused request opens no origin connection.
    @Test func sharedRouteValidatesBeforeOpeningTheOrigin() async throws {
        let origin = try await TestOrigin.start()
        let gateway = try await start(origin)
        let witness = try await Witness.start(gateway)
        for index in 0..<5 {
            let refused = try await gateway.curl(["--http2", "\(gateway.tlsURL)/prices/S\(index)?session=%21"])
            #expect(refused.status == 400)
            #expect(refused.body.contains("\"code\":\"invalid_session\""), "\(refused.body)")
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(origin.connectionCount == 0, "a refused request opened an origin connection")
        #expect(gateway.server.upstreams.openCount == 0)
        #expect(await witness.finish() == nil)
        await gateway.stop()
        await origin.shutdown()
    }

    /// Finding 6: entries in their cool-down after a final answer count against `max_connections`, so
    /// unique parameter values cannot churn origin connections past the cap.
    @Test func failedEntriesCountAgainstThePool() async throws {
        let origin = try await TestOrigin.start()
        origin.answer(.status(404))
        let gateway = try await start(origin, configure: { $0.connection.reconnectMaximum = .seconds(30) }, settings: { $0.maxConnections = 3 })
        let witness = try await Witness.start(gateway)
        var limited = 0
        for index in 0..<10 {
            let answer = try await gateway.curl(["--http2", "--max-time", "5", "\(gateway.tlsURL)/prices/U\(index)"])
            if answer.status == 502, answer.body.contains("\"code\":\"upstream_limit\"") { limited += 1 }
        }
        #expect(origin.connectionCount <= 3, "unique values churned \(origin.connectionCount) origin connections")
        #expect(limited >= 7, "only \(limited) of 10 were refused at the cap")
        #expect(await witness.finish() == nil)
        await gateway.stop()
        await origin.shutdown()
    }

    /// One client address cannot open more distinct upstream URLs than `upstreams.max_per_client_ip`;
    /// joining an already open URL is not an opening.
    @Test func perClientAddressCapOnDistinctUpstreams() async throws {
        let origin = try await TestOrigin.start()
        let gateway = try await start(origin, settings: { $0.maxPerClientIP = 2 })
        let witness = try await Witness.start(gateway)
        let one = try subscribe(gateway, "/prices/A")
        let two = try subscribe(gateway, "/prices/B")
        defer { one.terminate(); two.terminate() }
        #expect(await waitUntil { origin.openStreams == 2 })
        let third = try await gateway.curl(["--http2", "\(gateway.tlsURL)/prices/C"])
        // A subscribe route never answers 429 (EventSource would give up for good): the stream says why and
        // when to come back, then ends.
        #expect(third.status == 200, "\(third.body)")
        #expect(third.body.contains("event: stream-error\n"), "\(third.body)")
        #expect(third.body.contains("retry: "), "\(third.body)")
        #expect(third.body.contains("\"code\":\"upstream_client_limit\""), "\(third.body)")
        let join = try await gateway.curl(["--http2", "--max-time", "1", "-o", "/dev/null", "\(gateway.tlsURL)/prices/A"])
        #expect(join.status == 200, "joining an open upstream is not an opening")
        #expect(origin.requests.allSatisfy { $0.target != "/stream?symbol=C" })
        #expect(await witness.finish() == nil)
        await gateway.stop()
        await origin.shutdown()
    }

    /// Finding 7: a parameter value that would make `.`/`..` path segments (plain or percent-encoded), or
    /// carry a `/` into the path, is refused with 400 before anything reaches the origin; so is a URL over
    /// `upstreams.max_url_length`.
    @Test func traversingAndOverlongValuesNeverReachTheOrigin() async throws {
        let origin = try await TestOrigin.start()
        let gateway = try await start(origin, path: "/api/streams/{id}/events", pattern: "/items", settings: { $0.maxURLLength = 256 })
        let witness = try await Witness.start(gateway)
        let traversals = ["..", ".", "%2e%2e", "%2E.", "%252e%252e", "..%2Fadmin", "a%2F..%2F..%2Fadmin", "a%5C..%5Cadmin", "%252F"]
        for value in traversals {
            let refused = try await gateway.curl(["--http2", "\(gateway.tlsURL)/items?id=\(value)"])
            #expect(refused.status == 400, "id=\(value): \(refused.status) \(refused.body)")
            #expect(refused.body.contains("\"code\":\"invalid_parameter\""), "id=\(value): \(refused.body)")
        }
        let long = try await gateway.curl(["--http2", "\(gateway.tlsURL)/items?id=\(String(repeating: "x", count: 300))"])
        #expect(long.status == 400)
        #expect(long.body.contains("\"code\":\"url_too_long\""), "\(long.body)")
        try await Task.sleep(for: .milliseconds(300))
        #expect(origin.requests.isEmpty, "the origin saw \(origin.requests.map(\.target))")
        let valid = try subscribe(gateway, "/items?id=42")
        defer { valid.terminate() }
        #expect(await waitUntil { origin.openStreams == 1 })
        #expect(origin.requests.map(\.target) == ["/api/streams/42/events"])
        #expect(await witness.finish() == nil)
        await gateway.stop()
        await origin.shutdown()
    }

    /// Finding 8: an origin that sends `data:` lines forever without the blank line is cut off once the
    /// event would pass `max_event_size` (not at dispatch): the connection is dropped after a bounded number
    /// of bytes, the subscriber sees none of it, and the source reconnects.
    @Test func endlessUpstreamEventIsCutOffAtTheLimit() async throws {
        let origin = try await TestOrigin.start()
        let gateway = try await start(origin, configure: { $0.connection.maxEventBytes = 16 * 1024 })
        let witness = try await Witness.start(gateway)
        let subscriber = try subscribe(gateway, "/prices/ACME")
        defer { subscriber.terminate() }
        #expect(await waitUntil { origin.openStreams == 1 })
        let line = "data: " + String(repeating: "x", count: 1024) + "\n"
        var sent = 0
        let start = ContinuousClock.now
        while origin.requests.count == 1, origin.openStreams == 1, sent < 8 << 20, ContinuousClock.now - start < .seconds(20) {
            origin.sendRaw(line)
            sent += line.utf8.count
            try await Task.sleep(for: .milliseconds(2))
        }
        #expect(sent < 1 << 20, "the gateway accepted \(sent) bytes of one event with a 16 KiB limit")
        #expect(await waitUntil { origin.requests.count >= 2 }, "the source did not reconnect")
        origin.publish(1)
        #expect(await subscriber.waitForOutput(containing: "data: event 1\n"))
        #expect(!subscriber.text.contains("xxxx"))
        #expect(subscriber.isRunning)
        #expect(await witness.finish() == nil)
        await gateway.stop()
        await origin.shutdown()
    }

    /// Finding 8: an origin's `retry:` of an hour is capped at `reconnect.max`: after the origin restarts
    /// the source is back within seconds.
    @Test func originRetryIsCappedAtReconnectMax() async throws {
        let origin = try await TestOrigin.start()
        origin.sendRetry(milliseconds: 3_600_000)
        let gateway = try await start(origin, configure: { $0.connection.reconnectMaximum = .milliseconds(500) })
        let witness = try await Witness.start(gateway)
        let subscriber = try subscribe(gateway, "/prices/ACME")
        defer { subscriber.terminate() }
        #expect(await waitUntil { origin.openStreams == 1 })
        await origin.stop()
        try await origin.restart()
        #expect(await waitUntil(timeout: .seconds(5)) { origin.openStreams == 1 }, "the hour-long retry was obeyed")
        origin.publish(1)
        #expect(await subscriber.waitForOutput(containing: "data: event 1\n"))
        #expect(await witness.finish() == nil)
        await gateway.stop()
        await origin.shutdown()
    }

    /// Finding 6: the `stream-error` of a failed upstream goes to the streams open at the time only; it
    /// is not kept in history, so a later subscriber (even one replaying) does not get the old failure.
    @Test func upstreamFailureIsNotReplayedToLaterSubscribers() async throws {
        let origin = try await TestOrigin.start()
        let gateway = try await start(origin, replayLast: 10, configure: { $0.connection.reconnectMaximum = .seconds(1) })
        let witness = try await Witness.start(gateway)
        origin.answer(.status(404))
        let first = try subscribe(gateway, "/prices/ACME")
        defer { first.terminate() }
        #expect(await first.waitForOutput(containing: "event: stream-error\n"), "\(first.text)")
        #expect(await first.waitForExit(timeout: .seconds(5)) == 0)
        origin.answer(.stream)
        try await Task.sleep(for: .milliseconds(1500))  // the cool-down (reconnect.max) is over
        let later = try subscribe(gateway, "/prices/ACME")
        defer { later.terminate() }
        #expect(await waitUntil { origin.openStreams == 1 })
        origin.publish(1)
        #expect(await later.waitForOutput(containing: "data: event 1\n"), "\(later.text)")
        #expect(!later.text.contains("stream-error"), "the old failure was replayed: \(later.text)")
        #expect(await witness.finish() == nil)
        await gateway.stop()
        await origin.shutdown()
    }
}
