import Foundation
import GatewayAuth
import GatewayConfig
import GatewayTestSupport
import Testing

/// Keys are read again whenever the runtime is rebuilt: after a key file is replaced on disk, the next
/// snapshot accepts tokens of the new key and refuses those of the old one.
@Suite(.serialized) struct AuthReloadTests {
    private func keyPair(_ folder: String, _ name: String) async throws -> String {
        _ = try await ChildProcess.run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "\(folder)/\(name).key"])
        _ = try await ChildProcess.run("openssl", ["pkey", "-in", "\(folder)/\(name).key", "-pubout", "-out", "\(folder)/\(name).pub.pem"])
        return try String(contentsOfFile: "\(folder)/\(name).key", encoding: .utf8)
    }

    @Test func replacingTheRuntimeReadsTheKeysAgain() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-reload-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let oldKey = try await keyPair(folder, "old")
        let newKey = try await keyPair(folder, "new")
        let published = folder + "/current.pub.pem"
        try FileManager.default.copyItem(atPath: folder + "/old.pub.pem", toPath: published)

        let gateway = try await TestGateway.start { configuration in
            configuration.auth = AuthSettings(jwt: JWTSettings(keys: [JWTKeyConfiguration(source: .publicKeyFile(path: published), algorithm: .es256)]))
            configuration.routes[0].auth = .jwt
        }
        let grant = TokenGrant(subject: "alice", timeToLive: .seconds(600), subscribe: ["news"])
        let oldToken = try await TokenMinter(algorithm: .es256, privateKeyPEM: oldKey).mint(grant, now: Date())
        let newToken = try await TokenMinter(algorithm: .es256, privateKeyPEM: newKey).mint(grant, now: Date())
        func status(_ token: String) async throws -> Int {
            // --max-time 2: an accepted stream would run on; its 200 head is what counts.
            try await gateway.curl(["--max-time", "2", "-o", "/dev/null", "-H", "authorization: Bearer \(token)", "\(gateway.tlsURL)/events/news"]).status
        }
        #expect(try await status(oldToken) == 200)
        #expect(try await status(newToken) == 401)

        try FileManager.default.removeItem(atPath: published)
        try FileManager.default.copyItem(atPath: folder + "/new.pub.pem", toPath: published)
        try await gateway.server.replaceRuntime(with: gateway.server.configuration)
        #expect(try await status(oldToken) == 401)
        #expect(try await status(newToken) == 200)

        // A key that cannot be read leaves the running snapshot in place.
        try FileManager.default.removeItem(atPath: published)
        await #expect(throws: ConfigurationError.self) { try await gateway.server.replaceRuntime(with: gateway.server.configuration) }
        #expect(try await status(newToken) == 200)
        await gateway.stop()
    }
}
