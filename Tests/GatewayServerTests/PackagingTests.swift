import Foundation
import GatewayConfig
import GatewayTestSupport
import Testing

/// The command line and the systemd unit as an operator meets them: help for every command, the default
/// config printed with its comments, the config reference, and a unit systemd accepts.
@Suite struct PackagingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var executable: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ssegate").path,
            root.appendingPathComponent(".build/debug/ssegate").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }

    /// Each command answers `--help` with its usage and its own description; so does `help <command>`.
    @Test(arguments: [
        ([], "A TLS-terminating HTTP/2 Server-Sent-Events gateway."),
        (["run"], "Start the gateway"),
        (["check-config"], "--print-defaults"),
        (["config-reference"], "Print the configuration reference"),
        (["version"], "Print the version."),
    ])
    func everyCommandHasHelp(command: [String], expected: String) async throws {
        let help = try await ChildProcess.run(Self.executable, command + ["--help"])
        #expect(help.status == 0, "\(help)")
        #expect(help.output.contains("USAGE: ssegate"), "\(help.output)")
        #expect(help.output.contains(expected), "\(help.output)")
        if let name = command.first {
            let viaHelp = try await ChildProcess.run(Self.executable, ["help", name])
            #expect(viaHelp.status == 0)
            #expect(viaHelp.output == help.output)
        }
    }

    @Test func topLevelHelpListsEveryCommand() async throws {
        let help = try await ChildProcess.run(Self.executable, ["--help"])
        for command in ["run", "check-config", "config-reference", "version"] {
            #expect(help.output.contains("  \(command)"), "\(command) is missing from: \(help.output)")
        }
    }

    /// `--print-defaults` writes conf/ssegate.yaml byte for byte, comments included, and it validates.
    @Test func printDefaultsWritesTheCommentedDefaultConfig() async throws {
        let printed = try await ChildProcess.run(Self.executable, ["check-config", "--print-defaults"])
        #expect(printed.status == 0)
        let shipped = try String(contentsOf: Self.root.appendingPathComponent("conf/ssegate.yaml"), encoding: .utf8)
        #expect(printed.output == shipped)
        #expect(printed.output.contains("# Every key is optional except `routes`"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-defaults-\(UUID().uuidString).yaml").path
        try printed.output.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let check = try await ChildProcess.run(Self.executable, ["check-config", "--config", path])
        #expect(check.status == 0, "\(check.errors)")
    }

    @Test func configReferenceCommandPrintsTheSchemaTable() async throws {
        let printed = try await ChildProcess.run(Self.executable, ["config-reference"])
        #expect(printed.status == 0)
        #expect(printed.output == ConfigurationReference.markdown())
        #expect(printed.output.contains("| `routes[].static.directory` |"))
    }

    /// `systemd-analyze verify` (with ExecStart pointed at the built binary, which must exist) prints
    /// nothing for a good unit: unknown keys and bad values are only warnings, so any output fails.
    /// `security --offline` holds the sandbox to an exposure of at most 2.5 (systemd's scale: 0 to 10).
    @Test(.enabled(if: analyzer != nil || ProcessInfo.processInfo.environment["CI"] == "true", "needs systemd-analyze (apt: systemd)"))
    func systemdUnitVerifies() async throws {
        guard let analyzer = Self.analyzer else {
            Issue.record("CI=true but systemd-analyze is missing (apt: systemd)")
            return
        }
        let unit = try String(contentsOf: Self.root.appendingPathComponent("conf/ssegate.service"), encoding: .utf8)
        #expect(unit.contains("ExecReload=/bin/kill -HUP $MAINPID"))
        #expect(unit.contains("ExecStart=/usr/local/bin/ssegate run --config /etc/ssegate/ssegate.yaml"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-unit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/ssegate.service"
        try unit.replacing("/usr/local/bin/ssegate", with: Self.executable).write(toFile: path, atomically: true, encoding: .utf8)
        let verify = try await ChildProcess.run(analyzer, ["verify", path])
        #expect(verify.status == 0, "\(verify)")
        #expect(verify.output.isEmpty && verify.errors.isEmpty, "systemd-analyze verify: \(verify.output)\(verify.errors)")
        let security = try await ChildProcess.run(analyzer, ["security", "--offline=yes", "--threshold=25", "--no-pager", path])
        #expect(security.status == 0, "\(security.output.suffix(600))\(security.errors)")
        #expect(security.output.contains("Overall exposure level for ssegate.service"))
    }

    static let analyzer: String? = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// SIGHUP re-reads the config: a route added to the file answers afterwards, with the streams' process
    /// still the same. A broken file leaves the running config in place.
    @Test func sighupReloadsTheConfig() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-reload-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/ssegate.yaml"
        let base = """
            listeners:
              - {name: local, host: 127.0.0.1, port: 0, tls: false}
            logging: {level: info, access_log: false}
            routes:
              - {path: /healthz, health: liveness}

            """
        try base.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try ChildProcess(Self.executable, ["run", "--config", config])
        defer { server.terminate() }
        #expect(await server.waitForOutput(timeout: .seconds(20)) { _ in server.errorText.contains("listening") }, "\(server.errorText)")
        let log = { server.text + server.errorText }
        let port = try #require(log().firstMatch(of: /127\.0\.0\.1\]?:(\d+)/).flatMap { Int($0.1) }, "\(log())")
        let url = "http://127.0.0.1:\(port)"
        #expect(try await ChildProcess.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", url + "/readyz"]).output == "404")

        try (base + "  - {path: /readyz, health: readiness}\n").write(toFile: config, atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        #expect(await waitUntil { log().contains("reloaded") }, "\(log())")
        #expect(try await ChildProcess.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", url + "/readyz"]).output == "200")

        try "routes: 5\n".write(toFile: config, atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        #expect(await waitUntil { log().contains("reload refused") }, "\(log())")
        #expect(try await ChildProcess.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", url + "/readyz"]).output == "200")
        #expect(server.isRunning)
    }
}
