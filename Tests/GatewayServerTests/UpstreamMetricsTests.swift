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
        let subscriber = try ChildProcess("curl", ["-sS", "-N", "--max-time", "30", "\(gateway.plainURL)/prices/ACME"])
        defer { subscriber.terminate() }
        #expect(await subscriber.waitForOutput(containing: ":ok\n"))
        _ = origin.publish(1)
        #expect(await subscriber.waitForOutput(containing: "data: "), "no upstream event: \(subscriber.text)")
        var during = try await gateway.scrape()
        #expect(during.sum("ssegate_upstream_sources", #"state="open""#) >= 1)
        #expect(during.sum("ssegate_upstream_connects_total", shared) >= before.sum("ssegate_upstream_connects_total", shared) + 1)
        // The origin goes away and comes back: the source reconnects.
        await origin.stop()
        try await origin.restart()
        for _ in 0..<100 where during.sum("ssegate_upstream_reconnects_total", shared) <= before.sum("ssegate_upstream_reconnects_total", shared) {
            try await Task.sleep(for: .milliseconds(50))
            during = try await gateway.scrape()
        }
        #expect(during.sum("ssegate_upstream_reconnects_total", shared) > before.sum("ssegate_upstream_reconnects_total", shared))
        await gateway.stop()
        await origin.shutdown()
    }
}
