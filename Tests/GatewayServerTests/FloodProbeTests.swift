import Foundation
import GatewayTestSupport
import Testing

/// The HTTP/2 flood probes over real TLS, each on a connection of its own: every attack ends only the
/// attacker's connection (or its request), while a witness stream on another connection keeps receiving
/// every event in order. The frame-level limits are unit-tested in `HTTP2FloodTests`; this shows them
/// holding end to end, through the TLS handler and the connection handler.
@Suite struct FloodProbeTests {
    struct Outcome: Decodable {
        let probe: String
        let closed: Bool
        let goaway: Int?
        let resets: Int
        let statuses: [Int]
        let seconds: Double
    }

    @Test func everyFloodEndsOnlyTheAttackersConnection() async throws {
        let gateway = try await TestGateway.start { $0.tls.handshakeTimeout = .seconds(2) }
        let witness = try await Witness.start(gateway)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients/h2_flood_probes.py").path
        let probes = ["rapid_reset", "continuation", "settings", "ping", "empty_data", "oversized_headers", "server_resets", "stalled_handshake"]
        let attacker = try ChildProcess("python3", [script, "127.0.0.1", String(gateway.tlsPort), gateway.caPath] + probes)
        defer { attacker.terminate() }
        #expect(await attacker.waitForExit(timeout: .seconds(240)) == 0, "\(attacker.errorText)")
        let outcomes = try attacker.text.split(separator: "\n").map { try JSONDecoder().decode(Outcome.self, from: Data($0.utf8)) }
        let byProbe = Dictionary(uniqueKeysWithValues: outcomes.map { ($0.probe, $0) })
        #expect(Set(byProbe.keys) == Set(probes), "\(attacker.text) \(attacker.errorText)")

        // Floods end the connection, well before the probe's own 30 s wait. (The server's GOAWAY is often
        // not seen: closing a socket with the flood still unread makes the kernel answer with a TCP reset,
        // which discards what the attacker had not read yet.)
        for probe in ["rapid_reset", "continuation", "settings", "ping", "empty_data", "server_resets"] {
            let outcome = try #require(byProbe[probe])
            #expect(outcome.closed, "\(probe): the connection survived the flood: \(outcome)")
            #expect(outcome.seconds < 25, "\(probe): \(outcome)")
            #expect(!outcome.statuses.contains(200), "\(probe): \(outcome)")
        }
        // An oversized header list is answered 431 (or reset), never served.
        let oversized = try #require(byProbe["oversized_headers"])
        #expect(!oversized.statuses.contains(200), "\(oversized)")
        #expect(oversized.statuses.contains(431) || oversized.closed || oversized.resets > 0, "\(oversized)")
        // Half a ClientHello is closed by the handshake timeout.
        let stalled = try #require(byProbe["stalled_handshake"])
        #expect(stalled.closed && stalled.seconds < 10, "\(stalled)")

        #expect(await witness.finish() == nil)
        #expect(gateway.server.connectionCount <= 2, "attack connections left open: \(gateway.server.connectionCount)")
        await gateway.stop()
    }
}
