import GatewayConfig
import GatewayRouting
import GatewayTestSupport
import Foundation
import Testing

/// Upstream metrics against a real origin: sources by state, connects and reconnects.
@Suite(.serialized) struct UpstreamMetricsTests {
    @Test func sourcesAndReconnectsAreCounted() async throws {
        let origin = try await TestOrigin.start()
        var route = UpstreamRoute(url: try UpstreamURLTemplate(origin.url + "/stream?symbol={symbol}"))
        route.connection.reconnectInitial = .milliseconds(50)
        route.connection.reconnectMaximum = .milliseconds(200)
        let configured = route
        let gateway = try await TestGateway.start { configuration in
            configuration.routes.insert(
                RouteConfiguration(route: Route(pattern: try! RoutePattern("/prices/{symbol}"), action: .upstream(configured))), at: 0)
            configuration.routes.append(RouteConfiguration(
                route: Route(pattern: try! RoutePattern("/metrics"), action: .metrics), listeners: ["plain"]))
        }
        let shared = #"mode="shared""#
        let before = try await gateway.scrape()
        // The origin first answers 503 (transient: the source keeps reconnecting), then streams.
        origin.answer(.status(503))
        let subscriber = try ChildProcess("curl", ["-sS", "-N", "--max-time", "30", "\(gateway.plainURL)/prices/ACME"])
        defer { subscriber.terminate() }
        var during = try await gateway.scrape()
        for _ in 0..<100 where during.sum("ssegate_upstream_reconnects_total", shared) < before.sum("ssegate_upstream_reconnects_total", shared) + 2 {
            try await Task.sleep(for: .milliseconds(50))
            during = try await gateway.scrape()
        }
        #expect(during.sum("ssegate_upstream_reconnects_total", shared) >= before.sum("ssegate_upstream_reconnects_total", shared) + 2)
        origin.answer(.stream)
        #expect(await subscriber.waitForOutput(containing: ":ok\n"))
        for _ in 0..<100 where during.sum("ssegate_upstream_connects_total", shared) <= before.sum("ssegate_upstream_connects_total", shared) {
            try await Task.sleep(for: .milliseconds(50))
            during = try await gateway.scrape()
        }
        _ = origin.publish(1)
        #expect(await subscriber.waitForOutput(containing: "data: "), "no upstream event: \(subscriber.text)")
        during = try await gateway.scrape()
        #expect(during.sum("ssegate_upstream_connects_total", shared) >= before.sum("ssegate_upstream_connects_total", shared) + 1)
        #expect(during.sum("ssegate_upstream_sources", #"state="open""#) >= 1)
        await gateway.stop()
        await origin.shutdown()
    }
}
