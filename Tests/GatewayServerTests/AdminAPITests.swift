import GatewayConfig
import GatewayRouting
import GatewayTestSupport
import Foundation
import Synchronization
import Testing

/// The admin API with curl: its own token, channels, sessions, close and evict, reload.
@Suite(.serialized) struct AdminAPITests {
    private static let token = "admin-secret-for-tests"

    private static func adminRoute() -> RouteConfiguration {
        RouteConfiguration(
            route: Route(pattern: try! RoutePattern("/admin"), action: .admin(AdminRoute(tokenEnvironmentVariable: "TEST_ADMIN_TOKEN"))),
            listeners: ["plain"])
    }

    private static func startGateway(
        token: String? = AdminAPITests.token, reloadSource: TestGateway.ReloadSource? = nil
    ) async throws -> TestGateway {
        try await TestGateway.start(environment: token.map { ["TEST_ADMIN_TOKEN": $0] } ?? [:], reloadSource: reloadSource) { configuration in
            configuration.routes.append(Self.adminRoute())
        }
    }

    private func admin(_ gateway: TestGateway, _ method: String, _ path: String, token: String? = AdminAPITests.token) async throws -> (status: Int, body: String) {
        try await gateway.curl(["-X", method] + (token.map { ["-H", "Authorization: Bearer \($0)"] } ?? []) + ["\(gateway.plainURL)/admin\(path)"])
    }

    private func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func refusesWithoutTheRightToken() async throws {
        let gateway = try await Self.startGateway()
        let missing = try await admin(gateway, "GET", "/channels", token: nil)
        #expect(missing.status == 401)
        #expect(missing.body.contains(#""code":"unauthorized""#))
        let wrong = try await admin(gateway, "GET", "/channels", token: "not-it")
        #expect(wrong.status == 403)
        #expect(wrong.body.contains(#""code":"forbidden""#))
        // Not on the public listener at all.
        let elsewhere = try await gateway.curl(["-H", "Authorization: Bearer \(Self.token)", "\(gateway.tlsURL)/admin/channels"])
        #expect(elsewhere.status == 404)
        await gateway.stop()
    }

    @Test func theIndexListsTheEndpointsBehindTheToken() async throws {
        let gateway = try await Self.startGateway()
        #expect(try await admin(gateway, "GET", "", token: nil).status == 401)
        let index = try await admin(gateway, "GET", "")
        #expect(index.status == 200)
        let endpoints = try #require(try json(index.body)["endpoints"] as? [String])
        #expect(endpoints.contains("DELETE /admin/sessions/{session}"))
        #expect(endpoints.contains("POST /admin/reload"))
        await gateway.stop()
    }

    @Test func refusesEverythingWhenNoTokenIsSet() async throws {
        let gateway = try await Self.startGateway(token: nil)
        let answer = try await admin(gateway, "GET", "/channels", token: "anything")
        #expect(answer.status == 403)
        #expect(answer.body.contains(#""code":"admin_disabled""#))
        #expect(answer.body.contains("TEST_ADMIN_TOKEN"))
        await gateway.stop()
    }

    @Test func listsAndShowsChannels() async throws {
        let gateway = try await Self.startGateway()
        let subscriber = try ChildProcess("curl", ["-sS", "-N", "--max-time", "20", "\(gateway.plainURL)/events/listed"])
        defer { subscriber.terminate() }
        #expect(await gateway.waitForSubscribers("listed", count: 1))
        _ = try await gateway.publish("listed", body: "one")
        _ = try await gateway.publish("listed", body: "two")

        let list = try await admin(gateway, "GET", "/channels")
        #expect(list.status == 200)
        let channels = try #require(try json(list.body)["channels"] as? [[String: Any]])
        let listed = try #require(channels.first { $0["name"] as? String == "listed" })
        #expect(listed["subscribers"] as? Int == 1)
        let history = try #require(listed["history"] as? [String: Any])
        #expect(history["count"] as? Int == 2)
        #expect((history["bytes"] as? Int ?? 0) > 0)

        let one = try await admin(gateway, "GET", "/channels/listed")
        #expect(one.status == 200)
        let shown = try #require(try json(one.body)["history"] as? [String: Any])
        let first = try #require(shown["first_id"] as? String)
        let last = try #require(shown["last_id"] as? String)
        #expect(first != last)
        #expect(try await admin(gateway, "GET", "/channels/nothing-here").status == 404)
        await gateway.stop()
    }

    @Test func closingAChannelEndsItsStreamsWithARetryHint() async throws {
        let gateway = try await Self.startGateway()
        let subscriber = try ChildProcess("curl", ["-sS", "-N", "--http2-prior-knowledge", "--max-time", "20", "\(gateway.plainURL)/events/closing"])
        defer { subscriber.terminate() }
        #expect(await gateway.waitForSubscribers("closing", count: 1))
        let closed = try await admin(gateway, "DELETE", "/channels/closing")
        #expect(closed.status == 200)
        #expect(closed.body.contains(#""streams_ended":1"#))
        // curl exits when the stream ends; the hint came twice: at the open, and again before the end.
        #expect(await subscriber.waitForExit(timeout: .seconds(10)) == 0)
        #expect(subscriber.text.components(separatedBy: "retry: ").count == 3, "output: \(subscriber.text)")
        #expect(await gateway.waitForSubscribers("closing", count: 0))
        await gateway.stop()
    }

    @Test func showsAndEvictsASession() async throws {
        let gateway = try await Self.startGateway()
        let first = try ChildProcess("curl", ["-sS", "-N", "--max-time", "20", "\(gateway.plainURL)/events/alpha?session=visitor-7"])
        let second = try ChildProcess("curl", ["-sS", "-N", "--http2", "--max-time", "20", "--cacert", gateway.caPath, "\(gateway.tlsURL)/events/beta?session=visitor-7"])
        let bystander = try ChildProcess("curl", ["-sS", "-N", "--max-time", "20", "\(gateway.plainURL)/events/alpha?session=visitor-8"])
        defer { first.terminate(); second.terminate(); bystander.terminate() }
        #expect(await gateway.waitForSubscribers("alpha", count: 2))
        #expect(await gateway.waitForSubscribers("beta", count: 1))

        let shown = try await admin(gateway, "GET", "/sessions/visitor-7")
        #expect(shown.status == 200)
        let streams = try #require(try json(shown.body)["streams"] as? [[String: Any]])
        #expect(Set(streams.compactMap { ($0["channels"] as? [String])?.first }) == ["alpha", "beta"])
        #expect(streams.allSatisfy { $0["route"] as? String == "/events/{channel}" })

        let evicted = try await admin(gateway, "DELETE", "/sessions/visitor-7")
        #expect(evicted.status == 200)
        #expect(evicted.body.contains(#""streams_ended":2"#))
        #expect(await first.waitForExit(timeout: .seconds(10)) == 0)
        #expect(await second.waitForExit(timeout: .seconds(10)) == 0)
        #expect(await gateway.waitForSubscribers("alpha", count: 1))
        #expect(bystander.isRunning)
        #expect(try await admin(gateway, "GET", "/sessions/visitor-7").status == 404)
        #expect(try await admin(gateway, "GET", "/sessions/not%20valid").status == 400)
        await gateway.stop()
    }

    @Test func reloadAnswers500WithoutASource() async throws {
        let gateway = try await Self.startGateway()
        let answer = try await admin(gateway, "POST", "/reload")
        #expect(answer.status == 500)
        #expect(answer.body.contains(#""code":"reload_failed""#))
        #expect(try await admin(gateway, "GET", "/reload").status == 405)
        await gateway.stop()
    }

    @Test func reloadReplacesTheRuntimeFromItsSource() async throws {
        // The source hands back the running configuration plus one route, as an edited file would.
        let edited = Mutex<GatewayConfiguration?>(nil)
        let gateway = try await Self.startGateway(reloadSource: TestGateway.ReloadSource {
            guard let configuration = edited.withLock({ $0 }) else { throw CocoaError(.fileReadNoSuchFile) }
            return configuration
        })
        var next = gateway.server.configuration
        next.routes.insert(RouteConfiguration(route: Route(pattern: try RoutePattern("/alive"), action: .health(.liveness))), at: 0)
        edited.withLock { $0 = next }
        #expect(try await gateway.curl(["\(gateway.plainURL)/alive"]).status == 404)
        let answer = try await admin(gateway, "POST", "/reload")
        #expect(answer.status == 202)
        #expect(answer.body.contains(#""status":"reloaded""#))
        #expect(try await gateway.curl(["\(gateway.plainURL)/alive"]).status == 200)
        await gateway.stop()
    }
}
