import Foundation
import GatewayConfig
import GatewayServer
import GatewayTestSupport
import Logging
import Testing

extension ReloadIntegration {
    /// `GatewayServer.reload()` in process, with a real configuration file and curl clients over TLS: new
    /// certificates and routes apply, kept streams lose and repeat nothing, a removed route's streams end
    /// with a `retry:` hint, a broken file is refused with its position, restart-only settings stay.
    @Suite(.serialized) struct ReloadTests {
        @Test(.timeLimit(.minutes(3)))
        func reloadAppliesCertificatesAndRoutesWithoutDroppingStreams() async throws {
            let fixture = try ReloadFixture()
            defer { fixture.remove() }
            try fixture.write(fixture.yaml(certificate: fixture.first, extraRoute: "old"))
            var logger = Logger(label: "ssegate-reload-test")
            logger.logLevel = .critical
            let server = try GatewayServer(
                configuration: try GatewayConfiguration.load(contentsOf: fixture.configurationPath), logger: logger,
                configurationPath: fixture.configurationPath)
            let bound = try await server.start()
            let tlsPort = try #require(bound["tls"]?.port)
            let plainPort = try #require(bound["plain"]?.port)
            let base = "https://127.0.0.1:\(tlsPort)"

            let kept = try (0..<6).map { try ReloadFixture.stream("\(base)/events/kept", http2: $0 % 2 == 0, caFile: fixture.first.caCertificatePath) }
            let removed = try (0..<2).map { try ReloadFixture.stream("\(base)/old/kept", http2: $0 % 2 == 0, caFile: fixture.first.caCertificatePath) }
            defer { for stream in kept + removed { stream.terminate() } }
            try await waitFor { server.subscriberCount(channel: "kept") == 8 }
            let firstSerial = try await ReloadFixture.servedSerial(port: tlsPort, caFile: fixture.first.caCertificatePath)
            let firstFileSerial = try await ReloadFixture.serial(of: fixture.first)
            #expect(firstSerial == firstFileSerial)

            var published = 0
            func publishBatch() async throws {
                for _ in 0..<10 {
                    published += 1
                    let status = try await ReloadFixture.publish(port: plainPort, channel: "kept", body: "event \(published)")
                    #expect(status == 200)
                }
            }
            try await publishBatch()

            // 1: the second certificate, `/old` replaced by `/fresh`, a connection cap (live) and a restart-only
            // setting changed.
            try fixture.write(fixture.yaml(certificate: fixture.second, extraRoute: "fresh", maxConnections: 2000,
                                           extra: "upstreams:\n  max_connections: 7\n"))
            let applied = await server.reload()
            guard case .applied(let changes, let needsRestart, let streamsEnded) = applied else {
                Issue.record("reload refused: \(applied)")
                return
            }
            #expect(changes.contains("tls.certificates"), "\(changes)")
            #expect(changes.contains("routes +1 -1"), "\(changes)")
            #expect(changes.contains("limits.max_connections"), "connection caps apply on reload: \(changes)")
            #expect(server.configuration.limits.maxConnections == 2000)
            #expect(needsRestart == ["upstreams.max_connections"])
            #expect(server.configuration.upstreams.maxConnections == 1000, "a restart-only setting kept its running value")
            #expect(streamsEnded == 2)
            let secondSerial = try await ReloadFixture.servedSerial(port: tlsPort, caFile: fixture.second.caCertificatePath)
            let secondFileSerial = try await ReloadFixture.serial(of: fixture.second)
            #expect(secondSerial == secondFileSerial)
            #expect(secondSerial != firstSerial)
            let removedRoute = try await ReloadFixture.status("\(base)/old/x", caFile: fixture.second.caCertificatePath)
            let healthWithNewCA = try await ReloadFixture.status("\(base)/healthz", caFile: fixture.second.caCertificatePath)
            let healthWithOldCA = try await ReloadFixture.status("\(base)/healthz", caFile: fixture.first.caCertificatePath)
            #expect(removedRoute == 404)
            #expect(healthWithNewCA == 200)
            #expect(healthWithOldCA == 0, "new handshakes get the new certificate")
            for stream in removed {
                #expect(await stream.waitForExit(timeout: .seconds(10)) == 0, "a removed route's stream ended cleanly")
                #expect(ReloadFixture.endsWithRetryHint(stream), "ended with a retry hint: \(stream.text.suffix(80))")
            }
            try await publishBatch()

            // 2: a broken file is refused with its position; the running configuration still answers.
            try fixture.write(ReloadFixture.brokenYAML)
            let refused = await server.reload()
            guard case .refused(let problems) = refused else {
                Issue.record("a broken configuration was applied: \(refused)")
                return
            }
            #expect(problems.contains { $0.hasPrefix("\(fixture.configurationPath):4:5: error:") }, "\(problems)")
            let stillAnswers = try await ReloadFixture.status("\(base)/healthz", caFile: fixture.second.caCertificatePath)
            #expect(stillAnswers == 200)
            try await publishBatch()

            let expected = (1...published).map { "data: event \($0)" }
            for stream in kept {
                #expect(await stream.waitForOutput(timeout: .seconds(10)) { $0.contains("data: event \(published)\n") })
                #expect(ReloadFixture.dataLines(stream) == expected, "a kept stream lost, repeated or reordered events")
                #expect(stream.isRunning, "a kept stream ended")
            }
            #expect(server.subscriberCount(channel: "kept") == kept.count)
            await server.drain(deadline: .seconds(4))
        }

        @Test(.timeLimit(.minutes(2)))
        func changedCertificateFilesAreReloadedAndAHalfWrittenPairIsRetried() async throws {
            let fixture = try ReloadFixture()
            defer { fixture.remove() }
            let live = DevelopmentFilesCopy(directory: fixture.directory + "/live")
            try live.install(certificate: fixture.first.certificatePath, key: fixture.first.keyPath)
            var configuration = try GatewayConfiguration.parse(yaml: fixture.yaml(certificate: fixture.first, extraRoute: "old"), fileName: "test.yaml")
            configuration.tls.certificates = [.init(certificatePath: live.certificatePath, keyPath: live.keyPath)]
            var logger = Logger(label: "ssegate-watch-test")
            logger.logLevel = .critical
            let server = try GatewayServer(configuration: configuration, logger: logger)
            let tlsPort = try #require(try await server.start()["tls"]?.port)
            let url = "https://127.0.0.1:\(tlsPort)/healthz"
            let before = try await ReloadFixture.status(url, caFile: fixture.first.caCertificatePath)
            #expect(before == 200)

            // The key first, as a renewal tool writing one file after the other would: the pair does not match.
            try live.installKey(fixture.second.keyPath)
            try await Task.sleep(for: .seconds(3))
            let halfWritten = try await ReloadFixture.status(url, caFile: fixture.first.caCertificatePath)
            #expect(halfWritten == 200, "a mismatched pair must not be loaded")
            try live.installCertificate(fixture.second.certificatePath)
            try await waitFor(timeout: .seconds(20)) {
                (try? await ReloadFixture.status(url, caFile: fixture.second.caCertificatePath)) == 200
            }
            await server.drain(deadline: .seconds(2))
        }

        private func waitFor(timeout: Duration = .seconds(15), _ condition: () async -> Bool) async throws {
            let start = ContinuousClock.now
            while ContinuousClock.now - start < timeout {
                if await condition() { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("condition not met within \(timeout)")
        }
    }

    /// Certificate files that a test replaces, one at a time, the way an operator's tools do.
    struct DevelopmentFilesCopy {
        let directory: String
        var certificatePath: String { directory + "/fullchain.pem" }
        var keyPath: String { directory + "/privkey.pem" }

        func install(certificate: String, key: String) throws {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try installCertificate(certificate)
            try installKey(key)
        }

        func installCertificate(_ source: String) throws {
            try Data(contentsOf: URL(fileURLWithPath: source)).write(to: URL(fileURLWithPath: certificatePath), options: .atomic)
        }

        func installKey(_ source: String) throws {
            try Data(contentsOf: URL(fileURLWithPath: source)).write(to: URL(fileURLWithPath: keyPath), options: .atomic)
        }
    }

    /// Listeners follow the file: an added one is bound by the reload, a removed one stops accepting and its
    /// connections drain (their streams end cleanly, so the clients come back on a listener that stays).
    @Suite(.serialized) struct ListenerReloadTests {
        @Test(.timeLimit(.minutes(2)))
        func addedListenersAreBoundAndRemovedOnesStopAndDrain() async throws {
            let fixture = try ReloadFixture()
            defer { fixture.remove() }
            let ports = try FreePorts.pick(2)
            func yaml(_ name: String, _ port: Int) -> String {
                """
                listeners:
                  - {name: main, host: 127.0.0.1, port: 0, tls: false}
                  - {name: \(name), host: 127.0.0.1, port: \(port), tls: false}
                logging: {level: critical, access_log: false}
                routes:
                  - {path: "/events/{channel}", channel: "{channel}"}
                  - {path: "/healthz", health: liveness}
                """
            }
            try fixture.write(yaml("before", ports[0]))
            var logger = Logger(label: "ssegate-listener-test")
            logger.logLevel = .critical
            let server = try GatewayServer(
                configuration: try GatewayConfiguration.load(contentsOf: fixture.configurationPath), logger: logger,
                configurationPath: fixture.configurationPath)
            try await server.start()
            let stream = try ChildProcess("curl", ["-sS", "-N", "--http2-prior-knowledge", "--max-time", "60", "http://127.0.0.1:\(ports[0])/events/listeners"])
            defer { stream.terminate() }
            #expect(await stream.waitForOutput(containing: ":ok\n"))

            try fixture.write(yaml("after", ports[1]))
            let outcome = await server.reload()
            #expect(outcome == .applied(changes: ["listeners +1 -1"], needsRestart: [], streamsEnded: 0))
            let added = try await ReloadFixture.status("http://127.0.0.1:\(ports[1])/healthz", caFile: "/dev/null")
            let removed = try await ReloadFixture.status("http://127.0.0.1:\(ports[0])/healthz", caFile: "/dev/null")
            #expect(added == 200, "the added listener answers")
            #expect(removed == 0, "the removed listener no longer accepts")
            #expect(await stream.waitForExit(timeout: .seconds(10)) == 0, "the removed listener's stream ended cleanly: \(stream.errorText)")
            await server.drain(deadline: .seconds(2))
        }
    }
}
