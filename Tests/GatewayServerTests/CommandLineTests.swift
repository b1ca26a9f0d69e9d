import GatewayTestSupport
import Foundation
import Testing

/// The `ssegate` executable itself: bad configs are refused with file:line:column, good ones pass.
@Suite struct CommandLineTests {
    /// The binary `swift build --build-tests` produced beside the test bundle.
    private var executable: String {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ssegate").path,
            packageRoot.appendingPathComponent(".build/debug/ssegate").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }

    private func temporaryFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func checkConfigReportsEveryProblemWithItsPosition() async throws {
        let path = try temporaryFile("""
        listeners:
          - host: 127.0.0.1
            port: 70000
            tls: false
            prot: 2
        routes:
          - path: /events/{channel}
            channel: "{chan}"
        """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await ChildProcess.run(executable, ["check-config", "--config", path])
        #expect(result.status != 0)
        #expect(result.errors.contains("\(path):3:11: error:"), "\(result.errors)")
        #expect(result.errors.contains("\(path):5:5: error: unknown key 'prot'"), "\(result.errors)")
        #expect(result.errors.contains("\(path):8:14: error:"), "\(result.errors)")
    }

    @Test func runRefusesToStartOnABadConfig() async throws {
        let path = try temporaryFile("routes: 5\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await ChildProcess.run(executable, ["run", "--config", path], timeout: .seconds(20))
        #expect(result.status == 78, "\(result)")
        #expect(result.errors.contains("\(path):1:9: error:"), "\(result.errors)")
    }

    @Test func theShippedConfigIsValid() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let result = try await ChildProcess.run(executable, ["check-config", "--config", root.appendingPathComponent("conf/ssegate.yaml").path])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains(": ok ("))
    }

    @Test func version() async throws {
        let result = try await ChildProcess.run(executable, ["version"])
        #expect(result.status == 0)
        #expect(result.output.hasPrefix("ssegate "))
    }

    /// The binary runs on jemalloc (Sources/ssegate/Allocator.swift): `version` asks jemalloc itself, so a
    /// build whose link dropped it, or whose malloc resolves elsewhere, fails here.
    @Test func theBinaryRunsOnJemalloc() async throws {
        let result = try await ChildProcess.run(executable, ["version"])
        #expect(result.status == 0)
        #expect(result.output.contains("(jemalloc 5."), "\(result.output)")
    }

    /// A serving process has jemalloc purge freed pages after a second from its own background threads
    /// (`Allocator.configureForServing`), unless the operator's `MALLOC_CONF` says otherwise: then that is
    /// what jemalloc does, and the `starting` line names it.
    @Test(arguments: [nil, "dirty_decay_ms:5000"])
    func servingPurgesFreedPagesInTheBackgroundUnlessTheOperatorChoseOtherwise(ownSettings: String?) async throws {
        let config = try temporaryFile("""
            listeners:
              - {name: local, host: 127.0.0.1, port: 0, tls: false}
            logging: {level: info}
            routes:
              - {path: "/events/{channel}", channel: "{channel}"}
            """)
        defer { try? FileManager.default.removeItem(atPath: config) }
        let server = try ChildProcess(executable, ["run", "--config", config], environment: ownSettings.map { ["MALLOC_CONF": $0] })
        defer { server.terminate() }
        #expect(await server.waitForOutput(timeout: .seconds(20)) { _ in server.errorText.contains("listening") }, "\(server.errorText)")
        let starting = server.errorText.split(separator: "\n").first { $0.contains("starting") }.map(String.init) ?? ""
        func threadNames() -> [String] {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(server.pid)/task")) ?? []
            return tasks.compactMap { try? String(contentsOfFile: "/proc/\(server.pid)/task/\($0)/comm", encoding: .utf8) }
        }
        if let ownSettings {
            #expect(starting.contains("allocator_purge=MALLOC_CONF=\(ownSettings)"), "\(starting)")
            try await Task.sleep(for: .seconds(1))
            #expect(!threadNames().contains { $0.hasPrefix("jemalloc_bg_thd") }, "\(threadNames())")
        } else {
            #expect(starting.contains("allocator_purge=background purge, dirty_decay_ms 1000"), "\(starting)")
            var names = threadNames()
            for _ in 0..<50 where !names.contains(where: { $0.hasPrefix("jemalloc_bg_thd") }) {
                try await Task.sleep(for: .milliseconds(100))
                names = threadNames()
            }
            #expect(names.contains { $0.hasPrefix("jemalloc_bg_thd") }, "\(names)")
        }
    }
}

/// The real binary serving, then draining on SIGTERM: streams end cleanly (clients reconnect elsewhere),
/// the process exits 0.
@Suite struct GracefulDrainTests {
    @Test func sigtermEndsStreamsCleanlyAndExits() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let executable = root.appendingPathComponent(".build/debug/ssegate").path
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-drain-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/ssegate.yaml"
        try """
        listeners:
          - {name: local, host: 127.0.0.1, port: 0, tls: false}
        logging: {level: info}
        routes:
          - {path: "/events/{channel}", channel: "{channel}"}
          - {path: "/readyz", health: readiness}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try ChildProcess(executable, ["run", "--config", config])
        defer { server.terminate() }
        // The bound port is in the "listening" log line: address=[IPv4]127.0.0.1/127.0.0.1:PORT
        #expect(await server.waitForOutput(timeout: .seconds(20)) { _ in server.errorText.contains("listening") }, "\(server.errorText)")
        let port = try #require(server.errorText.split(separator: "\n").first { $0.contains("listening") }?
            .split(separator: " ").first { $0.hasPrefix("address=") }?.split(separator: ":").last.flatMap { Int($0) })
        let client = try ChildProcess("curl", ["-sS", "-N", "--http2-prior-knowledge", "--max-time", "20", "http://127.0.0.1:\(port)/events/drain"])
        #expect(await client.waitForOutput(containing: ":ok\n"))
        server.signal(SIGTERM)
        // The stream ends with END_STREAM (curl exits 0, not "connection reset"), and the server exits 0.
        #expect(await client.waitForExit(timeout: .seconds(15)) == 0, "\(client.errorText)")
        #expect(await server.waitForExit(timeout: .seconds(15)) == 0, "\(server.errorText)")
        #expect(server.errorText.contains("draining"))
    }
}
