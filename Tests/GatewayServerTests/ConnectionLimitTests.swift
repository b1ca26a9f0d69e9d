import Foundation
import Synchronization
import GatewayConfig
import GatewayRouting
import GatewayTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Connection limits at accept, over real TLS from a real client (`Clients/tls_connections.py`), each with a
/// Witness stream that must keep receiving in order: the per-client cap (IPv4 and IPv6 counted apart), the
/// listener cap with the trusted listener still serving, and the handshake rate.
@Suite(.serialized) struct ConnectionLimitTests {
    private static let client = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Clients/tls_connections.py").path

    /// Opens `count` TLS connections from `host` to `port` and holds them; returns when all were tried.
    private func connections(_ gateway: TestGateway, host: String = "127.0.0.1", port: Int, count: Int, probeMilliseconds: Int = 0) async throws
        -> (process: ChildProcess, opened: Int, refused: [String], seconds: Double)
    {
        let process = try ChildProcess("python3", [Self.client, host, String(port), gateway.caPath, String(count), "120", String(probeMilliseconds)])
        guard await process.waitForOutput(containing: "ready", timeout: .seconds(60)) else {
            process.terminate()
            throw ClientFailed(output: process.text + process.errorText)
        }
        let lines = process.text.split(separator: "\n")
        let seconds = lines.first { $0.hasPrefix("ready ") }.flatMap { Double($0.dropFirst("ready ".count)) } ?? 0
        return (process, lines.filter { $0.hasPrefix("open ") }.count, lines.filter { $0.hasPrefix("refused ") }.map(String.init), seconds)
    }

    struct ClientFailed: Error { let output: String }

    /// A gateway with `/metrics` on the plaintext listener, and the test's limits.
    private func start(reloadSource: TestGateway.ReloadSource? = nil, _ configure: @escaping (inout GatewayConfiguration) -> Void) async throws -> TestGateway {
        try await TestGateway.start(reloadSource: reloadSource) { config in
            config.routes.append(RouteConfiguration(
                route: Route(pattern: try! RoutePattern("/metrics"), action: .metrics), listeners: ["plain"]))
            configure(&config)
        }
    }

    private func refusals(_ gateway: TestGateway, listener: String, reason: String) async throws -> Double {
        try await gateway.scrape().sum("ssegate_connections_refused_total", "listener=\"\(listener)\"", "reason=\"\(reason)\"")
    }

    /// Whether this machine can bind the IPv6 loopback (containers often have IPv6 off).
    private static var ipv6LoopbackAvailable: Bool {
        let descriptor = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0 }
        }
    }

    @Test func theConnectionOverThePerClientCapIsClosedAtAcceptAndAnotherClientIsStillAdmitted() async throws {
        let ipv6 = Self.ipv6LoopbackAvailable
        // A dual-stack listener on `::` when IPv6 is there: 127.0.0.1 arrives as ::ffff:127.0.0.1 and must
        // count as the IPv4 address, ::1 as another client.
        let gateway = try await start { config in
            config.listeners.append(ListenerConfiguration(
                name: "capped", host: ipv6 ? "::" : "127.0.0.1", port: 0, tls: true,
                limits: ListenerLimitSettings(maxConnectionsPerIP: 3, handshakesPerSecondPerIP: 0)))
        }
        defer { Task { await gateway.stop() } }
        let port = try #require(gateway.ports["capped"])
        let witness = try await Witness.start(gateway)
        let before = try await refusals(gateway, listener: "capped", reason: "per_ip")

        let three = try await connections(gateway, port: port, count: 3)
        defer { three.process.terminate() }
        #expect(three.opened == 3, "\(three.refused)")
        // The fourth from the same address: closed by the gateway before the client sent a byte.
        let fourth = try await connections(gateway, port: port, count: 1, probeMilliseconds: 2000)
        defer { fourth.process.terminate() }
        #expect(fourth.opened == 0)
        #expect(fourth.refused.first?.contains("closed before the client sent anything") == true, "\(fourth.refused)")
        #expect(try await refusals(gateway, listener: "capped", reason: "per_ip") - before >= 1)

        if ipv6 {
            let other = try await connections(gateway, host: "::1", port: port, count: 1, probeMilliseconds: 500)
            defer { other.process.terminate() }
            #expect(other.opened == 1, "::1 is another client: \(other.refused)")
        } else {
            print("ConnectionLimitTests: IPv6 loopback unavailable; the ::1 half of the per-client test was skipped")
        }
        // A connection closing frees its slot.
        three.process.terminate()
        _ = await three.process.waitForExit(timeout: .seconds(10))
        try await Task.sleep(for: .milliseconds(300))
        let again = try await connections(gateway, port: port, count: 1)
        defer { again.process.terminate() }
        #expect(again.opened == 1, "\(again.refused)")
        #expect(await witness.finish() == nil)
    }

    @Test func aFullTLSListenerLeavesTheTrustedListenerServing() async throws {
        let gateway = try await start { config in
            config.listeners[0].limitSettings = ListenerLimitSettings(maxConnections: 3, handshakesPerSecondPerIP: 0)
        }
        defer { Task { await gateway.stop() } }
        // The witness holds one of the three; two more fill the listener, and the next is refused.
        let witness = try await Witness.start(gateway)
        let before = try await refusals(gateway, listener: "tls", reason: "listener_full")
        let fill = try await connections(gateway, port: gateway.tlsPort, count: 3, probeMilliseconds: 1000)
        defer { fill.process.terminate() }
        #expect(fill.opened == 2 && fill.refused.count == 1, "\(fill.refused)")
        #expect(fill.refused.first?.contains("closed before the client sent anything") == true)
        #expect(try await refusals(gateway, listener: "tls", reason: "listener_full") - before >= 1)
        // Meanwhile the trusted plaintext listener takes new connections (the witness's ticks publish there too).
        let health = try await gateway.curl(["\(gateway.plainURL)/healthz"])
        #expect(health.status == 200)
        let published = try await gateway.publish("other", body: "still here")
        #expect(published.status == 200)
        #expect(await witness.finish() == nil)
    }

    @Test func handshakesOverTheRateAreRefusedAtAccept() async throws {
        let gateway = try await start { config in
            // A burst of 4 (the witness takes one), then one per second.
            config.listeners[0].limitSettings = ListenerLimitSettings(handshakesPerSecondPerIP: 1, handshakeBurstPerIP: 4)
        }
        defer { Task { await gateway.stop() } }
        let witness = try await Witness.start(gateway)
        let before = try await refusals(gateway, listener: "tls", reason: "handshake_rate")
        let flood = try await connections(gateway, port: gateway.tlsPort, count: 12)
        defer { flood.process.terminate() }
        // Three tokens left, plus at most one per second the flood took (and one for rounding).
        let allowed = 3 + Int(flood.seconds.rounded(.up)) + 1
        #expect(flood.opened >= 3, "\(flood.refused)")
        #expect(flood.opened <= allowed, "opened \(flood.opened) in \(flood.seconds) s")
        #expect(flood.refused.count == 12 - flood.opened)
        #expect(try await refusals(gateway, listener: "tls", reason: "handshake_rate") - before == Double(flood.refused.count))
        // The held connections stay open while the witness keeps receiving.
        try await Task.sleep(for: .milliseconds(500))
        #expect(await witness.finish() == nil)
    }

    @Test func aReloadChangesAListenersLimitsWithoutRebindingIt() async throws {
        let next = Mutex<GatewayConfiguration?>(nil)
        let source = TestGateway.ReloadSource { try next.withLock { try #require($0) } }
        let gateway = try await start(reloadSource: source) { config in
            config.listeners[0].limitSettings = ListenerLimitSettings(maxConnectionsPerIP: 0, handshakesPerSecondPerIP: 0)
        }
        defer { Task { await gateway.stop() } }
        let witness = try await Witness.start(gateway)
        let three = try await connections(gateway, port: gateway.tlsPort, count: 3)
        defer { three.process.terminate() }
        #expect(three.opened == 3)
        var tighter = gateway.server.configuration
        tighter.listeners[0].limitSettings = ListenerLimitSettings(maxConnectionsPerIP: 2, handshakesPerSecondPerIP: 0)
        next.withLock { $0 = tighter }
        let outcome = await gateway.server.reload()
        #expect(outcome == .applied(changes: ["listeners[tls] limits"], needsRestart: [], streamsEnded: 0), "\(outcome)")
        // Open connections stay (the witness keeps receiving); a new one is over the new cap.
        let fourth = try await connections(gateway, port: gateway.tlsPort, count: 1, probeMilliseconds: 1000)
        defer { fourth.process.terminate() }
        #expect(fourth.opened == 0 && fourth.refused.first?.contains("closed before the client sent anything") == true, "\(fourth.refused)")
        #expect(three.process.isRunning)
        try await Task.sleep(for: .milliseconds(300))
        #expect(await witness.finish() == nil)
    }
}
