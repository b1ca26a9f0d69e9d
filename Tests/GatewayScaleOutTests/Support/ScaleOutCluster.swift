import Foundation
import GatewayTestSupport
import Testing

/// redis-server plus N gateway nodes (the real binary) sharing it, on loopback: what every scale-out test
/// starts, and stops again (only the processes it started).
final class ScaleOutCluster: Sendable {
    let redis: ScaleOutRedis
    let nodes: [GatewayNode]
    let directory: String
    var caPath: String { directory + "/ca.pem" }

    private init(redis: ScaleOutRedis, nodes: [GatewayNode], directory: String) {
        self.redis = redis
        self.nodes = nodes
        self.directory = directory
    }

    /// Starts Redis, then the first node (it generates the development CA every node then shares), then the
    /// others. `history` is the YAML of the `history:` section.
    static func start(nodes count: Int = 3, appendOnly: Bool = false, history: String = "{count: 1000}") async throws -> ScaleOutCluster {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-scaleout-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let redis = try await ScaleOutRedis.start(appendOnly: appendOnly)
        let prefix = "t\(UInt32.random(in: 0...UInt32.max))"
        var nodes: [GatewayNode] = []
        do {
            for index in 0..<count {
                let name = ["a", "b", "c", "d", "e"][index]
                nodes.append(try await GatewayNode.start(name: name, redisURL: redis.url, keyPrefix: prefix, certificates: directory, history: history))
            }
        } catch {
            for node in nodes { node.kill() }
            redis.stop()
            throw error
        }
        return ScaleOutCluster(redis: redis, nodes: nodes, directory: directory)
    }

    func stop() {
        for node in nodes { node.kill() }
        redis.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A curl subscriber on `node` (HTTP/2 over TLS), optionally resuming with a `Last-Event-ID`.
    func subscribe(_ node: GatewayNode, _ pathAndQuery: String, lastEventID: String? = nil, maxTime: Int = 20) throws -> ChildProcess {
        var arguments = ["-sS", "-N", "--max-time", String(maxTime), "--cacert", caPath, "--http2"]
        if let lastEventID { arguments += ["-H", "Last-Event-ID: \(lastEventID)"] }
        return try ChildProcess("curl", arguments + [node.tlsURL + pathAndQuery])
    }

    /// Runs `Clients/scaleout_client.py` over every running node and returns its JSON summary, checked.
    func runClients(mode: String, path: String, channels: [String], clients: Int, events: Int, cuts: Int, seed: Int,
                    nodes: [GatewayNode]? = nil, duration: Int = 40, markFile: String? = nil) async throws -> [String: Any] {
        let targets = nodes ?? self.nodes
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Clients/scaleout_client.py").path
        var arguments = [script, mode, "127.0.0.1", targets.map { String($0.tlsPort) }.joined(separator: ","),
                         targets.map { String($0.plainPort) }.joined(separator: ","), caPath, path, channels.joined(separator: ","),
                         String(clients), String(events), String(cuts), String(seed), String(duration)]
        if let markFile { arguments.append(markFile) }
        let result = try await ChildProcess.run("python3", arguments, timeout: .seconds(duration + 10))
        let line = try #require(result.output.split(separator: "\n").last.map(String.init), "no summary (seed \(seed)): \(result.errors.suffix(2000))")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "seed \(seed): \(result.output.suffix(2000))")
        #expect(summary["ok"] as? Bool == true, "seed \(seed): \(line.prefix(4000))\n\(result.errors.suffix(2000))")
        #expect(result.status == 0, "seed \(seed): exit \(result.status)")
        #expect((summary["clients"] as? [[String: Any]])?.count == clients, "seed \(seed): \(line.prefix(2000))")
        return summary
    }

    /// Waits until `file` says at least `count` events were published (the client's mark file).
    static func waitForPublished(_ count: Int, in file: String, timeout: Duration = .seconds(30)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            if let last = text.split(separator: "\n").last?.split(separator: " ").last.flatMap({ Int($0) }), last >= count { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}

/// Every suite that starts redis-server and gateway nodes, one test at a time: three gateways and a Redis
/// per test are already a lot for a shared two-core machine.
@Suite(.serialized, .enabled(if: ScaleOutRedis.mustRun, "redis-server is not installed (make deps installs it; CI=true makes this a failure)"))
enum ScaleOutTests {}
