import Foundation
import GatewayAuth
import GatewayConfig
import GatewayTestSupport
import Testing

/// `ssegate token` mints tokens the configured gateway accepts (a secret from the config's variable, or a
/// private key file), and `check-config` / `run` report a key that cannot be read at its line.
@Suite struct TokenCommandTests {
    private var executable: String {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ssegate").path,
            packageRoot.appendingPathComponent(".build/debug/ssegate").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }

    private func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-token-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func environment(_ extra: [String: String]) -> [String: String] {
        ProcessInfo.processInfo.environment.filter { $0.key != "JWT_SECRET" }.merging(extra) { _, new in new }
    }

    static let secretConfig = """
        auth:
          jwt:
            keys: [{alg: HS256, secret_env: JWT_SECRET}]
            issuer: https://auth.test
            audience: ssegate
        routes:
          - {path: "/events/{channel}", channel: "{channel}", auth: jwt}
        """

    @Test func mintsWithTheConfiguredSecret() async throws {
        let folder = try directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let config = folder + "/ssegate.yaml"
        try Self.secretConfig.write(toFile: config, atomically: true, encoding: .utf8)
        let secret = String(repeating: "x", count: 40)
        let minting = Date()
        let result = try await ChildProcess.run(executable, [
            "token", "--config", config, "--sub", "alice", "--subscribe", "user:{sub}", "news", "--publish", "news", "--ttl", "1h", "--session", "s-1",
        ], environment: environment(["JWT_SECRET": secret]))
        let minted = Date()
        #expect(result.status == 0, "\(result.errors)")
        let token = result.output.trimmingCharacters(in: .whitespacesAndNewlines)

        let configuration = try GatewayConfiguration.load(contentsOf: config)
        let verifier = try #require(try await configuration.tokenVerifier(environment: ["JWT_SECRET": secret]))
        let verified = try verifier.verify(token, now: Date()).get()
        #expect(verified.subject == "alice")
        #expect(verified.maySubscribe(to: "user:alice") && verified.maySubscribe(to: "news") && !verified.maySubscribe(to: "user:bob"))
        #expect(verified.mayPublish(to: "news") && !verified.mayPublish(to: "user:alice"))
        #expect(verified.session == "s-1")
        // An hour from when the command ran (`exp` is in whole seconds): bounded by the clock around it, not by
        // how long the checks above took on a loaded machine.
        let expiry = verified.expiresAt.timeIntervalSince1970
        #expect(expiry >= (minting.timeIntervalSince1970 + 3600).rounded(.down) && expiry <= minted.timeIntervalSince1970 + 3600,
                "expires \(verified.expiresAt), minted between \(minting) and \(minted)")
        // Another secret does not verify it.
        let other = try #require(try await configuration.tokenVerifier(environment: ["JWT_SECRET": String(repeating: "y", count: 40)]))
        #expect(throws: AuthFailure.badSignature) { try other.verify(token, now: Date()).get() }
    }

    @Test func mintsWithAPrivateKeyFile() async throws {
        let folder = try directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try await ChildProcess.run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", folder + "/es.key"])
        _ = try await ChildProcess.run("openssl", ["pkey", "-in", folder + "/es.key", "-pubout", "-out", folder + "/es.pub.pem"])
        let config = folder + "/ssegate.yaml"
        try """
        auth:
          jwt:
            keys: [{alg: ES256, public_key_file: \(folder)/es.pub.pem, kid: k1}]
        routes:
          - {path: "/events/{channel}", channel: "{channel}", auth: jwt}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await ChildProcess.run(executable, ["token", "--config", config, "--sub", "svc", "--publish", "*", "--ttl", "10m", "--key", folder + "/es.key"],
                                                environment: environment([:]))
        #expect(result.status == 0, "\(result.errors)")
        let configuration = try GatewayConfiguration.load(contentsOf: config)
        let verifier = try #require(try await configuration.tokenVerifier(environment: [:]))
        let verified = try verifier.verify(result.output.trimmingCharacters(in: .whitespacesAndNewlines), now: Date()).get()
        #expect(verified.subject == "svc" && verified.mayPublish(to: "anything"))
        // Without --key, a public-key configuration has nothing to sign with.
        let refused = try await ChildProcess.run(executable, ["token", "--config", config, "--sub", "svc"], environment: environment([:]))
        #expect(refused.status != 0)
        #expect(refused.errors.contains("--key"), "\(refused.errors)")
    }

    @Test func unreadableKeysStopCheckConfigAndRunAtTheirLine() async throws {
        let folder = try directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let config = folder + "/ssegate.yaml"
        try Self.secretConfig.write(toFile: config, atomically: true, encoding: .utf8)
        let check = try await ChildProcess.run(executable, ["check-config", "--config", config], environment: environment([:]))
        #expect(check.status != 0)
        #expect(check.errors.contains("\(config):3:12: error: auth.jwt.keys[0]: environment variable JWT_SECRET is not set"), "\(check.errors)")
        let run = try await ChildProcess.run(executable, ["run", "--config", config], timeout: .seconds(20), environment: environment([:]))
        #expect(run.status == 78, "\(run)")
        let good = try await ChildProcess.run(executable, ["check-config", "--config", config], environment: environment(["JWT_SECRET": String(repeating: "z", count: 32)]))
        #expect(good.status == 0, "\(good.errors)")
        #expect(good.output.contains("1 token keys"), "\(good.output)")
    }
}
