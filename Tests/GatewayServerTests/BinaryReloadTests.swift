import Foundation
import GatewayTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension ReloadIntegration {
    /// The real `ssegate` binary through two reloads sent with `ssegate reload --pid-file` while 50 HTTP/2
    /// streams (one connection) and 10 HTTP/1.1 streams over TLS receive events at 10 a second: the first
    /// reload brings a new certificate and a changed route table, the second a broken file.
    @Suite(.serialized) struct BinaryReloadTests {
        private var executable: String {
            let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let candidates = [
                URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ssegate").path,
                packageRoot.appendingPathComponent(".build/debug/ssegate").path,
            ]
            return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
        }

        @Test(.timeLimit(.minutes(4)))
        func streamsSurviveTwoReloadsOfTheBinary() async throws {
            let fixture = try ReloadFixture()
            defer { fixture.remove() }
            let ports = try FreePorts.pick(2)
            let (tlsPort, plainPort) = (ports[0], ports[1])
            let drain = "drain:\n  window: 2s\n  deadline: 8s"
            try fixture.write(fixture.yaml(certificate: fixture.first, extraRoute: "old", tlsPort: tlsPort, plainPort: plainPort, extra: drain))
            let pidFile = fixture.directory + "/ssegate.pid"
            let gateway = try ChildProcess(executable, ["run", "--config", fixture.configurationPath, "--pid-file", pidFile])
            defer { gateway.terminate() }
            let base = "https://127.0.0.1:\(tlsPort)"
            try await waitFor("the gateway answers") { (try? await ReloadFixture.status("\(base)/healthz", caFile: fixture.first.caCertificatePath)) == 200 }
            #expect(FileManager.default.fileExists(atPath: pidFile))

            // 50 streams multiplexed on one HTTP/2 connection, 10 HTTP/1.1 connections, 2 on the route that goes.
            let output = fixture.directory + "/streams"
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            let common = ["-sS", "-N", "--max-time", "120", "--parallel", "--parallel-max", "60", "--cacert", fixture.first.caCertificatePath]
            let http2 = try ChildProcess("curl", common + ["--http2", "\(base)/events/kept?n=[1-50]", "-o", "\(output)/h2-#1.txt"])
            let http1 = try ChildProcess("curl", common + ["--http1.1", "--parallel-immediate", "\(base)/events/kept?n=[1-10]", "-o", "\(output)/h1-#1.txt"])
            let removed = try ChildProcess("curl", common + ["--http2", "\(base)/old/kept?n=[1-2]", "-o", "\(output)/old-#1.txt"])
            defer { for client in [http2, http1, removed] { client.terminate() } }
            let files = (1...50).map { "\(output)/h2-\($0).txt" } + (1...10).map { "\(output)/h1-\($0).txt" }
            try await waitFor("62 streams open") { files.allSatisfy { Self.read($0).hasPrefix(":ok") } && Self.read("\(output)/old-2.txt").hasPrefix(":ok") }
            // A connection counts once per stream only after it subscribed; the opening comment comes after that.

            // 80 events at 10 a second, one curl process throttled with --rate, across both reloads.
            let eventCount = 80
            let publisher = try ChildProcess("curl", [
                "-sS", "--rate", "10/s", "-X", "POST", "--data-binary", "event", "-o", "/dev/null", "-w", "%{http_code}\n",
                "http://127.0.0.1:\(plainPort)/publish/kept?n=[1-\(eventCount)]",
            ])
            defer { publisher.terminate() }
            try await Task.sleep(for: .seconds(2))

            // Reload 1: a new certificate and a changed route table.
            let firstSerial = try await ReloadFixture.servedSerial(port: tlsPort, caFile: fixture.first.caCertificatePath)
            try fixture.write(fixture.yaml(certificate: fixture.second, extraRoute: "fresh", tlsPort: tlsPort, plainPort: plainPort, extra: drain))
            let sent = try await ChildProcess.run(executable, ["reload", "--pid-file", pidFile])
            #expect(sent.status == 0, "\(sent.errors)")
            try await waitFor("the reload is logged") { gateway.errorText.contains("configuration reloaded") }
            #expect(gateway.errorText.contains("routes +1 -1"), "one line says what changed")
            let secondSerial = try await ReloadFixture.servedSerial(port: tlsPort, caFile: fixture.second.caCertificatePath)
            #expect(secondSerial != nil && secondSerial != firstSerial, "a new handshake gets the new certificate: \(String(describing: firstSerial)) → \(String(describing: secondSerial))")
            let secondFileSerial = try await ReloadFixture.serial(of: fixture.second)
            #expect(secondSerial == secondFileSerial)
            #expect(await removed.waitForExit(timeout: .seconds(10)) == 0, "the removed route's streams ended")
            for index in 1...2 {
                #expect(Self.read("\(output)/old-\(index).txt").split(separator: "\n").last?.hasPrefix("retry: ") == true, "ended with a retry hint")
            }
            try await Task.sleep(for: .seconds(2))

            // Reload 2: a broken file, refused with its position; the running configuration still answers.
            try fixture.write(ReloadFixture.brokenYAML)
            let sentAgain = try await ChildProcess.run(executable, ["reload", "--pid-file", pidFile])
            #expect(sentAgain.status == 0)
            try await waitFor("the refusal is logged with its position") { gateway.errorText.contains("\(fixture.configurationPath):4:5: error:") }
            let stillAnswers = try await ReloadFixture.status("\(base)/healthz", caFile: fixture.second.caCertificatePath)
            #expect(stillAnswers == 200)
            #expect(gateway.isRunning)
            #expect(await publisher.waitForExit(timeout: .seconds(30)) == 0)
            let statuses = publisher.text.split(separator: "\n")
            #expect(statuses.count == eventCount && statuses.allSatisfy { $0 == "200" }, "every publish was accepted: \(statuses)")
            try await waitFor("every stream has every event") { files.allSatisfy { Self.lines(in: $0, prefix: "data: ").count >= eventCount } }
            #expect(http2.isRunning && http1.isRunning, "no stream ended")
            // Every stream saw the same ids, each once: nothing lost (80 accepted, 80 received), repeated or reordered.
            let reference = Self.eventIDs(files[0])
            #expect(reference.count == eventCount && Set(reference).count == eventCount, "\(reference.count) ids, \(Set(reference).count) distinct")
            var wrong: [String] = []
            for file in files where Self.eventIDs(file) != reference || Self.lines(in: file, prefix: "data: ").count != eventCount {
                wrong.append(file)
            }
            #expect(wrong.isEmpty, "lost, repeated or reordered events in \(wrong.count) streams, first: \(wrong.first.map { Self.read($0).suffix(300) } ?? "")")
            print("binary reload: \(files.count) streams × \(eventCount) events through two reloads")

            // SIGTERM: a paced drain; every stream ends with a retry hint and the process exits.
            gateway.signal(SIGTERM)
            #expect(await gateway.waitForExit(timeout: .seconds(15)) == 0)
            // The curls write what they received to the files: read them once they have exited (the gateway's
            // exit does not mean curl has written its last bytes; once, under load, a file was read before).
            _ = await http2.waitForExit(timeout: .seconds(15))
            _ = await http1.waitForExit(timeout: .seconds(15))
            #expect(files.allSatisfy { Self.read($0).split(separator: "\n").last?.hasPrefix("retry: ") == true }, "each stream ended with a retry hint")
        }

        private static func read(_ path: String) -> String {
            (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        }

        /// The `id:` lines after the opening one (which names the position the stream started from).
        private static func eventIDs(_ path: String) -> [String] {
            Array(lines(in: path, prefix: "id: ").dropFirst())
        }

        private static func lines(in path: String, prefix: String) -> [String] {
            read(path).split(separator: "\n").filter { $0.hasPrefix(prefix) }.map(String.init)
        }

        private func waitFor(_ what: String, timeout: Duration = .seconds(30), _ condition: () async -> Bool) async throws {
            let start = ContinuousClock.now
            while ContinuousClock.now - start < timeout {
                if await condition() { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("timed out waiting: \(what)")
            throw CancellationError()
        }
    }
}
