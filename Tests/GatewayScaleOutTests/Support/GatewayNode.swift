import Foundation
import GatewayTestSupport

/// One `ssegate` process (the real binary) on free loopback ports, with the Redis engine: a TLS listener
/// for subscribers and a trusted plaintext one for publishes. Stopped by its PID only.
final class GatewayNode: Sendable {
    let name: String
    let tlsPort: Int
    let plainPort: Int
    let configPath: String
    private let child: ChildProcess

    var tlsURL: String { "https://127.0.0.1:\(tlsPort)" }
    var plainURL: String { "http://127.0.0.1:\(plainPort)" }
    var log: String { child.text + child.errorText }
    var isRunning: Bool { child.isRunning }

    /// The binary `swift build --build-tests` produced beside the test bundle.
    static var executable: String {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ssegate").path,
            packageRoot.appendingPathComponent(".build/debug/ssegate").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }

    private init(name: String, tlsPort: Int, plainPort: Int, configPath: String, child: ChildProcess) {
        self.name = name
        self.tlsPort = tlsPort
        self.plainPort = plainPort
        self.configPath = configPath
        self.child = child
    }

    /// Starts a node sharing `certificates` (one development CA for every node) and waits until it answers
    /// `/readyz` (at most 20 s: the machine may be busy).
    static func start(name: String, redisURL: String, keyPrefix: String, certificates: String, history: String) async throws -> GatewayNode {
        let tlsPort = try FreeTCPPort.pick(), plainPort = try FreeTCPPort.pick()
        let config = """
            listeners:
              - {name: tls, host: 127.0.0.1, port: \(tlsPort), tls: true}
              - {name: plain, host: 127.0.0.1, port: \(plainPort), tls: false, trusted: true}
            tls:
              certificates:
                - {certificate: \(certificates)/localhost.pem, key: \(certificates)/localhost-key.pem}
              development_directory: \(certificates)
            streams:
              heartbeat: 1s
              retry: 200ms
            history: \(history)
            logging: {level: notice, access_log: false}
            engine: {type: redis, url: "\(redisURL)", key_prefix: \(keyPrefix)}
            routes:
              - {path: "/events/{channel}", channel: "{channel}"}
              - {path: /multi, channel: "{channel}", max_channels: 4}
              - {path: "/publish/{channel}", publish: "{channel}"}
              - {path: /readyz, health: readiness}
            """
        let configPath = certificates + "/\(name).yaml"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let child = try ChildProcess(executable, ["run", "--config", configPath])
        let node = GatewayNode(name: name, tlsPort: tlsPort, plainPort: plainPort, configPath: configPath, child: child)
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            guard child.isRunning else { throw ScaleOutFailure("node \(name) exited: \(node.log.suffix(1500))") }
            if let status = try? await node.curl(["-o", "/dev/null", "-w", "%{http_code}", node.plainURL + "/readyz"]), status.output == "200" { return node }
            try await Task.sleep(for: .milliseconds(100))
        }
        child.terminate()
        throw ScaleOutFailure("node \(name) not ready in 20 s: \(node.log.suffix(1500))")
    }

    func curl(_ arguments: [String]) async throws -> (status: Int32, output: String, errors: String) {
        try await ChildProcess.run("curl", ["-sS", "--max-time", "5"] + arguments, timeout: .seconds(8))
    }

    /// Publishes `body` on `channel` through this node; answers the HTTP status and body.
    func publish(_ channel: String, _ body: String, headers: [String] = []) async throws -> (status: Int, body: String) {
        let result = try await curl(["-X", "POST", "-H", "content-type: text/plain"] + headers.flatMap { ["-H", $0] }
            + ["--data-binary", body, "-w", "\n%{http_code}", plainURL + "/publish/" + channel])
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    /// SIGSTOP: the node freezes (a long GC-like pause, a stalled VM); its connections stay open.
    func pause() { child.signal(SIGSTOP) }

    /// SIGCONT after `pause()`.
    func resume() { child.signal(SIGCONT) }

    /// SIGKILL, like a crash.
    func kill() { child.terminate() }

}
