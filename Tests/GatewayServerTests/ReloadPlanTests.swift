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
        #expect(plan.needsRestart == ["history (engine defaults)", "logging.level"])
        #expect(plan.effective.history == running.history)
        #expect(plan.effective.logging.level == running.logging.level)
        #expect(plan.effective.streams.retry == .seconds(9), "live settings change")
        // Connection caps are read at every accept, so they apply on reload (to new connections).
        #expect(plan.effective.limits.maxConnections == 5)
        #expect(plan.changes == ["streams", "limits.max_connections"])
    }

    @Test func aListenerWhoseOnlyChangeIsItsLimitsIsNotRebound() throws {
        let running = GatewayConfiguration(routes: [try route("/a/{channel}")])
        var loaded = running
        loaded.listeners[0].limitSettings = ListenerLimitSettings(maxConnections: 10, maxConnectionsPerIP: 2, handshakesPerSecondPerIP: 5)
        loaded.limits.maxConnectionsPerIP = 9
        let plan = ReloadPlan(running: running, loaded: loaded)
        #expect(plan.addedListeners.isEmpty && plan.removedListeners.isEmpty)
        #expect(plan.needsRestart.isEmpty)
        #expect(plan.effective.listeners[0].limitSettings.maxConnections == 10)
        #expect(plan.changes == ["limits.max_connections_per_ip", "listeners[public] limits"])
        // A changed port still replaces the listener, limits and all.
        loaded.listeners[0].port = 9443
        let moved = ReloadPlan(running: running, loaded: loaded)
        #expect(moved.addedListeners.map(\.name) == ["public"] && moved.removedListeners.map(\.name) == ["public"])
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
