import GatewayConfig
import GatewayRouting
import Testing

@testable import GatewayServer

/// What a reload applies: live settings change, restart-only ones keep their running value and are
/// named, listeners are compared by name and address, and the change summary is right.
@Suite struct ReloadPlanTests {
    func route(_ path: String) throws -> RouteConfiguration {
        RouteConfiguration(route: Route(pattern: try RoutePattern(path), action: .channel(try ParameterTemplate("{channel}"))))
    }

    @Test func restartOnlySettingsKeepTheirRunningValue() throws {
        let running = GatewayConfiguration(routes: [try route("/a/{channel}")])
        var loaded = running
        loaded.limits.maxConnections = 5
        loaded.history.maxTotalBytes = 1 << 20
        loaded.logging.level = "debug"
        loaded.streams.retry = .seconds(9)
        let plan = ReloadPlan(running: running, loaded: loaded)
        #expect(plan.needsRestart == ["limits.max_connections", "history (engine defaults)", "logging.level"])
        #expect(plan.effective.limits.maxConnections == running.limits.maxConnections)
        #expect(plan.effective.history == running.history)
        #expect(plan.effective.logging.level == running.logging.level)
        #expect(plan.effective.streams.retry == .seconds(9), "live settings change")
        #expect(plan.changes == ["streams"])
    }

    @Test func addingAMetricsRouteServesItButCollectsFromTheNextStart() throws {
        let running = GatewayConfiguration(routes: [try route("/a/{channel}")])
        #expect(!running.collectsMetrics)
        var loaded = running
        loaded.routes.append(RouteConfiguration(route: Route(pattern: try RoutePattern("/metrics"), action: .metrics)))
        #expect(loaded.collectsMetrics)
        let plan = ReloadPlan(running: running, loaded: loaded)
        #expect(plan.needsRestart == ["metrics collection (a metrics route added or removed)"])
        #expect(plan.effective.routes == loaded.routes, "the route itself applies")
        #expect(plan.changes == ["routes +1 -0"])
    }

    @Test func routesAndListenersAreCompared() throws {
        let running = GatewayConfiguration(
            listeners: [.init(name: "a", host: "127.0.0.1", port: 1, tls: false), .init(name: "b", host: "127.0.0.1", port: 2, tls: false)],
            routes: [try route("/a/{channel}"), try route("/b/{channel}")])
        var loaded = running
        loaded.listeners = [.init(name: "a", host: "127.0.0.1", port: 1, tls: false), .init(name: "b", host: "127.0.0.1", port: 3, tls: false),
                            .init(name: "c", host: "127.0.0.1", port: 4, tls: true)]
        loaded.routes = [try route("/a/{channel}"), try route("/c/{channel}")]
        let plan = ReloadPlan(running: running, loaded: loaded)
        #expect(plan.addedListeners.map(\.name) == ["b", "c"], "a moved listener is replaced")
        #expect(plan.removedListeners.map(\.name) == ["b"])
        #expect(plan.changes == ["listeners +2 -1", "routes +1 -1"])
        #expect(plan.needsRestart.isEmpty)
    }

    @Test func nothingChangedIsNothing() throws {
        let running = GatewayConfiguration(routes: [try route("/a/{channel}")])
        let plan = ReloadPlan(running: running, loaded: running)
        #expect(plan.changes.isEmpty && plan.needsRestart.isEmpty && plan.addedListeners.isEmpty && plan.removedListeners.isEmpty)
    }
}
