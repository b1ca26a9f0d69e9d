import GatewayTestSupport
import Foundation
import GatewayConfig
import GatewayRouting
@testable import GatewayApp
@testable import GatewayServer
import Testing

/// `upstream:` routes end to end: a real origin started by the test, the gateway, real clients.
@Suite(.serialized) struct UpstreamRouteTests {
    private func start(
        _ origin: TestOrigin,
        configure: (inout UpstreamRoute) -> Void = { _ in },
        heartbeat: Duration? = nil,
        maxConnections: Int = 1000
    ) async throws -> TestGateway {
        var route = UpstreamRoute(url: try UpstreamURLTemplate(origin.url + "/stream?symbol={symbol}"))
        route.connection.reconnectInitial = .milliseconds(50)
        route.connection.reconnectMaximum = .milliseconds(500)
        route.caFile = origin.caPath
        configure(&route)
        let configured = route
        return try await TestGateway.start { configuration in
            configuration.routes.insert(
                RouteConfiguration(route: Route(pattern: try! RoutePattern("/prices/{symbol}"), action: .upstream(configured)), heartbeat: heartbeat),
                at: 0)
            configuration.upstreams.maxConnections = maxConnections
        }
    }

    private func channel(_ origin: TestOrigin, _ symbol: String) -> String {
        "upstream:\(origin.url)/stream?symbol=\(symbol)"
    }

    private func subscribe(_ gateway: TestGateway, _ path: String) throws -> ChildProcess {
        try ChildProcess("curl", ["-sS", "-N", "--max-time", "30", "\(gateway.plainURL)\(path)"])
    }

    private static func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    /// 5 curl processes × 100 multiplexed HTTP/2 streams share exactly one upstream connection; the origin
    /// dies and comes back mid-stream, and every stream (each written to its own file) still gets every
    /// event exactly once.
    @Test func fiveHundredSubscribersShareOneUpstreamAcrossAnOriginRestart() async throws {
        let origin = try await TestOrigin.start()
        let gateway = try await start(origin)
        let url = "\(gateway.tlsURL)/prices/ACME"
        let outputs = gateway.directory + "/streams"
        try FileManager.default.createDirectory(atPath: outputs, withIntermediateDirectories: true)
        var clients: [ChildProcess] = []
        for client in 0..<5 {
            let transfers = (0..<100).flatMap { ["-o", "\(outputs)/\(client)-\($0)", url] }
            // curl 7.88 multiplexes `-Z` transfers reliably over TLS + ALPN (not with h2c prior knowledge).
            clients.append(try ChildProcess("curl", ["-sS", "-N", "--max-time", "60", "--cacert", gateway.caPath, "--http2", "-Z", "--parallel-max", "100"] + transfers))
        }
        defer { for client in clients { client.terminate() } }
        #expect(await gateway.waitForSubscribers(channel(origin, "ACME"), count: 500, timeout: .seconds(30)))
        #expect(await waitUntil { origin.openStreams == 1 })
        origin.publish(3)
        await origin.stop()
        origin.publish(3)  // published while the gateway cannot reach the origin
        try await origin.restart()
        let reconnected = await waitUntil { origin.openStreams == 1 }
        #expect(reconnected, "the gateway did not reconnect; origin: \(origin.stopReport), \(origin.connectionCount) connection(s)")
        origin.publish(2)
        let streams = { (0..<500).map { (try? String(contentsOfFile: "\(outputs)/\($0 / 100)-\($0 % 100)", encoding: .utf8)) ?? "" } }
        let all = await waitUntil(timeout: .seconds(30)) { streams().allSatisfy { $0.contains("data: event 8\n") } }
        #expect(all, "not every stream got the last event")
        let expected = (1...8).map { "event: tick\ndata: event \($0)\n\n" }
        for (index, text) in streams().enumerated() {
            // Blocks after each `id:` line; the opening's position-only `id:` (no data) is not an event.
            let got = text.components(separatedBy: "id: ").dropFirst().map { $0.drop { $0 != "\n" }.dropFirst() }.map(String.init)
                .filter { $0.contains("data: ") }
            if got != expected {
                Issue.record("stream \(index) got \(got)")
                break
            }
        }
        #expect(origin.connectionCount == 2, "one connection before the restart and one after")
        #expect(origin.requests.last?.header("last-event-id") == "3")
        #expect(origin.requests.first?.target == "/stream?symbol=ACME")
        await gateway.stop()
        await origin.shutdown()
    }

    /// EventSource rules: 204 and 404 are final. Open streams get `stream-error` and end; new ones get 502.
    @Test(arguments: [204, 404])
    func finalAnswerEndsStreamsAndRefusesNewOnes(status: Int) async throws {
        let origin = try await TestOrigin.start()
        let gateway = try await start(origin) { $0.connection.reconnectMaximum = .seconds(20) }
        let first = try subscribe(gateway, "/prices/ACME")
        let second = try subscribe(gateway, "/prices/ACME")
        defer { first.terminate(); second.terminate() }
        #expect(await gateway.waitForSubscribers(channel(origin, "ACME"), count: 2))
        #expect(await waitUntil { origin.openStreams == 1 })
        origin.publish(1)
        #expect(await first.waitForOutput(containing: "data: event 1\n"))
        origin.answer(.status(status))
        await origin.stop()
        try await origin.restart()
        for subscriber in [first, second] {
            #expect(await subscriber.waitForOutput(containing: "event: stream-error\n"), "\(subscriber.text)")
            #expect(await subscriber.waitForExit(timeout: .seconds(5)) == 0, "the stream must end cleanly")
            #expect(subscriber.text.contains("\"status\":\(status)"))
        }
        let refused = try await gateway.curl(["\(gateway.plainURL)/prices/ACME"])
        #expect(refused.status == 502)
        #expect(refused.body.contains("\"code\":\"upstream_failed\""))
        #expect(refused.body.contains("\"upstream_status\":\(status)"))
        await gateway.stop()
        await origin.shutdown()
    }

    /// 500 and 429 are transient: the upstream is retried and streams stay open on heartbeats.
    @Test(arguments: [500, 429])
    func transientAnswersKeepStreamsOpenOnHeartbeats(status: Int) async throws {
        let origin = try await TestOrigin.start()
        let gateway = try await start(origin, heartbeat: .seconds(1))
        let subscriber = try subscribe(gateway, "/prices/ACME")
        defer { subscriber.terminate() }
        #expect(await waitUntil { origin.openStreams == 1 })
        origin.answer(.status(status))
        await origin.stop()
        try await origin.restart()
        #expect(await waitUntil { origin.requests.count >= 3 }, "the upstream was not retried")
        let heartbeats = Self.count(":\n\n", in: subscriber.text)
        #expect(await subscriber.waitForOutput(timeout: .seconds(5)) { Self.count(":\n\n", in: $0) > heartbeats })
        #expect(subscriber.isRunning)
        origin.answer(.stream)
        origin.publish(1)
        #expect(await subscriber.waitForOutput(containing: "data: event 1\n"))
        #expect(!subscriber.text.contains("stream-error"))
        await gateway.stop()
        await origin.shutdown()
    }

    @Test func tlsOriginWithTheConfiguredCA() async throws {
        let origin = try await TestOrigin.start(tls: true)
        origin.publish(1)
        let gateway = try await start(origin)
        let subscriber = try subscribe(gateway, "/prices/ACME")
        defer { subscriber.terminate() }
        #expect(await waitUntil { origin.openStreams == 1 })
        origin.publish(1)
        #expect(await subscriber.waitForOutput(containing: "data: event 2\n"))
        await gateway.stop()
        await origin.shutdown()
    }

    /// A certificate the CA file does not vouch for is refused and retried (a transient failure: the
    /// origin may fix its certificate); the stream stays open and gets nothing from the origin.
    @Test func tlsOriginWithTheWrongCAIsRefused() async throws {
        let origin = try await TestOrigin.start(tls: true)
        let plain = try await TestOrigin.start(tls: true)  // another development CA
        let gateway = try await start(origin) { $0.caFile = plain.caPath }
        let subscriber = try subscribe(gateway, "/prices/ACME")
        defer { subscriber.terminate() }
        #expect(await waitUntil { origin.connectionCount >= 2 }, "the upstream was not retried")
        origin.publish(1)
        try await Task.sleep(for: .milliseconds(300))
        #expect(origin.requests.isEmpty, "no request may be sent over an unverified connection")
        #expect(!subscriber.text.contains("data:"))
        #expect(subscriber.isRunning)
        await gateway.stop()
        await origin.shutdown()
        await plain.shutdown()
    }

    @Test func idleUpstreamIsClosedAfterTheTimeout() async throws {
        let origin = try await TestOrigin.start()
        let gateway = try await start(origin) { $0.idleTimeout = .milliseconds(500) }
        let subscriber = try ChildProcess("curl", ["-sS", "-N", "--max-time", "1", "\(gateway.plainURL)/prices/ACME"])
        #expect(await waitUntil { origin.openStreams == 1 })
        #expect(gateway.server.upstreamCount == 1)
        // The subscriber leaves by itself (curl's --max-time): the test process's children may not see SIGTERM.
        #expect(await subscriber.waitForExit(timeout: .seconds(5)) != 0)
        #expect(await waitUntil(timeout: .seconds(5)) { origin.openStreams == 0 })
        #expect(gateway.server.upstreamCount == 0)
        await gateway.stop()
        await origin.shutdown()
    }

    @Test func alwaysOnUpstreamOutlivesItsSubscribers() async throws {
        let origin = try await TestOrigin.start()
        let gateway = try await start(origin) {
            $0.idleTimeout = .milliseconds(200)
            $0.alwaysOn = true
        }
        let subscriber = try ChildProcess("curl", ["-sS", "-N", "--max-time", "1", "\(gateway.plainURL)/prices/ACME"])
        #expect(await waitUntil { origin.openStreams == 1 })
        _ = await subscriber.waitForExit(timeout: .seconds(5))
        try await Task.sleep(for: .milliseconds(800))
        #expect(origin.openStreams == 1)
        #expect(gateway.server.upstreamCount == 1)
        await gateway.stop()
        await origin.shutdown()
    }

    /// An event over `max_event_size` drops the upstream connection (logged) and the source reconnects
    /// from the last good id: subscribers never see the oversize event, nor a duplicate.
    @Test func oversizeEventReconnectsWithoutDuplicates() async throws {
        let origin = try await TestOrigin.start()
        let gateway = try await start(origin) { $0.connection.maxEventBytes = 1024 }
        let subscriber = try subscribe(gateway, "/prices/ACME")
        defer { subscriber.terminate() }
        #expect(await waitUntil { origin.openStreams == 1 })
        origin.publish(1)
        #expect(await subscriber.waitForOutput(containing: "data: event 1\n"))
        origin.sendRaw("data: " + String(repeating: "x", count: 4096) + "\n\n")
        #expect(await waitUntil { origin.requests.count == 2 && origin.openStreams == 1 })
        #expect(origin.requests.last?.header("last-event-id") == "1")
        origin.publish(1)
        #expect(await subscriber.waitForOutput(containing: "data: event 2\n"))
        #expect(Self.count("data: event 1\n", in: subscriber.text) == 1)
        #expect(!subscriber.text.contains("xxxx"))
        await gateway.stop()
        await origin.shutdown()
    }

    @Test func alwaysOnUpstreamWithoutParametersOpensAtStart() async throws {
        let origin = try await TestOrigin.start()
        let gateway = try await start(origin) {
            $0.url = try! UpstreamURLTemplate(origin.url + "/all")
            $0.alwaysOn = true
        }
        #expect(await waitUntil { origin.openStreams == 1 }, "opened without any subscriber")
        #expect(origin.requests.first?.target == "/all")
        await gateway.stop()
        await origin.shutdown()
    }

    @Test func distinctParametersGetDistinctUpstreamsAndQueryParametersFill() async throws {
        let origin = try await TestOrigin.start()
        let gateway = try await start(origin) { $0.url = try! UpstreamURLTemplate(origin.url + "/s/{symbol}?depth={depth}") }
        let one = try subscribe(gateway, "/prices/A%20B?depth=2")
        let two = try subscribe(gateway, "/prices/C?depth=1")
        defer { one.terminate(); two.terminate() }
        #expect(await waitUntil { origin.openStreams == 2 })
        #expect(Set(origin.requests.map(\.target)) == ["/s/A%20B?depth=2", "/s/C?depth=1"])
        let missing = try await gateway.curl(["\(gateway.plainURL)/prices/C"])
        #expect(missing.status == 400)
        await gateway.stop()
        await origin.shutdown()
    }

    @Test func perClientModeForwardsChosenHeadersAndTheClientsLastEventID() async throws {
        let origin = try await TestOrigin.start()
        origin.publish(4)
        let gateway = try await start(origin) {
            $0.mode = .perClient
            $0.forwardHeaders = ["authorization"]
        }
        let first = try ChildProcess("curl", [
            "-sS", "-N", "--max-time", "3", "-H", "Authorization: Bearer token-1", "-H", "Cookie: session=secret",
            "-H", "Last-Event-ID: 2", "\(gateway.plainURL)/prices/ACME",
        ])
        let second = try ChildProcess("curl", ["-sS", "-N", "--max-time", "3", "\(gateway.plainURL)/prices/ACME"])
        #expect(await first.waitForOutput(containing: "data: event 4\n"))
        #expect(await second.waitForOutput(containing: "data: event 4\n"))
        // The origin's ids pass through, so the client's next Last-Event-ID means something to the origin.
        #expect(first.text.contains("id: 3\nevent: tick\ndata: event 3\n\n"))
        #expect(!first.text.contains("data: event 2\n"))
        #expect(second.text.contains("id: 1\nevent: tick\ndata: event 1\n\n"))
        #expect(origin.connectionCount == 2, "one upstream connection per client")
        let forwarded = try #require(origin.requests.first { $0.header("authorization") != nil })
        #expect(forwarded.header("authorization") == "Bearer token-1")
        #expect(forwarded.header("last-event-id") == "2")
        #expect(forwarded.header("cookie") == nil, "only the configured headers are forwarded")
        // The clients leave (curl's --max-time): their upstream connections close with them.
        _ = await first.waitForExit(timeout: .seconds(5))
        _ = await second.waitForExit(timeout: .seconds(5))
        #expect(await waitUntil { origin.openStreams == 0 })
        await gateway.stop()
        await origin.shutdown()
    }

    @Test func forwardedHeadersJoinRepeatsAndCookieCrumbs() {
        let headers = [("cookie", "a=1"), ("x-other", "no"), ("cookie", "b=2"), ("authorization", "Bearer t"), ("accept", "x"), ("accept", "y")]
        let forwarded = UpstreamResponder.forwardedHeaders(headers, names: ["authorization", "cookie", "accept", "x-missing"])
        #expect(forwarded.map { "\($0.name): \($0.value)" } == ["authorization: Bearer t", "cookie: a=1; b=2", "accept: x, y"])
    }

    @Test func perClientFinalAnswerEndsTheStreamWithStreamError() async throws {
        let origin = try await TestOrigin.start()
        origin.answer(.status(404))
        let gateway = try await start(origin) { $0.mode = .perClient }
        let subscriber = try subscribe(gateway, "/prices/ACME")
        #expect(await subscriber.waitForExit(timeout: .seconds(5)) == 0, "\(subscriber.text)")
        #expect(subscriber.text.contains("event: stream-error\ndata: {\"status\":404"))
        await gateway.stop()
        await origin.shutdown()
    }

    @Test func upstreamConnectionLimitAnswers502() async throws {
        let origin = try await TestOrigin.start()
        let gateway = try await start(origin, maxConnections: 1)
        let first = try subscribe(gateway, "/prices/ONE")
        defer { first.terminate() }
        #expect(await waitUntil { origin.openStreams == 1 })
        let refused = try await gateway.curl(["\(gateway.plainURL)/prices/TWO"])
        #expect(refused.status == 502)
        #expect(refused.body.contains("\"code\":\"upstream_limit\""))
        // The same URL shares the open source, so it is not refused.
        let shared = try await gateway.curl(["--max-time", "1", "-o", "/dev/null", "\(gateway.plainURL)/prices/ONE"])
        #expect(shared.status == 200)
        await gateway.stop()
        await origin.shutdown()
    }
}
