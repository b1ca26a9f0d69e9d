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

    /// Rules that tighten on reload reach running streams: an anonymous stream the new rules would refuse ends
    /// with a `retry:` hint (its reconnect then gets 401), one they still allow keeps running, and a stream a
    /// token authorized keeps running on the channels its token grants.
    @Test func tightenedRulesEndTheAnonymousStreamsTheyRefuse() async throws {
        let secret = "reload-tightening-secret-of-32-bytes!!"
        let gateway = try await TestGateway.start(environment: ["JWT_SECRET": secret]) { configuration in
            configuration.auth = AuthSettings(jwt: JWTSettings(keys: [JWTKeyConfiguration(source: .secretEnvironmentVariable("JWT_SECRET"), algorithm: .hs256)]))
            configuration.routes[0].auth = .optional
            configuration.routes[0].publicChannels = [try! ChannelPattern("news"), try! ChannelPattern("sports")]
        }
        let token = try await TokenMinter(algorithm: .hs256, secret: secret)
            .mint(TokenGrant(subject: "alice", timeToLive: .seconds(600), subscribe: ["sports"]), now: Date())
        func stream(_ channel: String, token: String? = nil) throws -> ChildProcess {
            let header = token.map { ["-H", "authorization: Bearer \($0)"] } ?? []
            return try ChildProcess("curl", ["-sS", "-N", "--max-time", "60", "--cacert", gateway.caPath] + header + ["\(gateway.tlsURL)/events/\(channel)"])
        }
        let news = try stream("news")
        let sports = try stream("sports")
        let alice = try stream("sports", token: token)
        defer { [news, sports, alice].forEach { $0.terminate() } }
        #expect(await gateway.waitForSubscribers("news", count: 1))
        #expect(await gateway.waitForSubscribers("sports", count: 2))

        // sports is no longer public: the anonymous sports stream ends, alice's (token) and news stay.
        var narrowed = gateway.server.configuration
        narrowed.routes[0].publicChannels = [try ChannelPattern("news")]
        try await gateway.server.replaceRuntime(with: narrowed)
        #expect(await sports.waitForExit(timeout: .seconds(10)) == 0, "the refused stream did not end")
        #expect(sports.text.contains("retry:"))
        #expect(await gateway.waitForSubscribers("sports", count: 1), "alice's token stream keeps running")
        #expect(news.isRunning)
        let reconnect = try await gateway.curl(["--max-time", "2", "-o", "/dev/null", "\(gateway.tlsURL)/events/sports"])
        #expect(reconnect.status == 401)

        // The route now needs a token: the anonymous news stream ends too, alice's still runs.
        var closed = narrowed
        closed.routes[0].auth = .jwt
        try await gateway.server.replaceRuntime(with: closed)
        #expect(await news.waitForExit(timeout: .seconds(10)) == 0, "the anonymous stream outlived auth: jwt")
        #expect(await gateway.waitForSubscribers("news", count: 0))
        #expect(alice.isRunning)
        let published = try await gateway.publish("sports", body: "still here")
        #expect(published.status == 200)
        #expect(await alice.waitForOutput(containing: "data: still here"))
        await gateway.stop()
    }
}
