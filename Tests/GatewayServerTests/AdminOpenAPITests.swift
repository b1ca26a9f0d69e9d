import Foundation
import GatewayConfig
import GatewayRouting
import GatewayTestSupport
import Synchronization
import Testing

/// schemathesis (PyPI) against a running gateway's admin API, driven by `docs/openapi-admin.yaml`:
/// generated requests, valid and invalid, must never get a 5xx, and every answer must match the document.
///
/// Skipped, visibly, when schemathesis is not installed, except under `CI=true`, where that is a failure.
@Suite struct AdminOpenAPITests {
    static let schemathesis: String? = {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/schemathesis" }
        return paths.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    @Test(.enabled(if: schemathesis != nil || isCI, "needs schemathesis (pip install schemathesis)"), .timeLimit(.minutes(5)))
    func adminAPIMatchesItsOpenAPIDocument() async throws {
        guard let schemathesis = Self.schemathesis else {
            Issue.record("CI=true but schemathesis is not on PATH (pip install schemathesis)")
            return
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let token = "schemathesis-admin-token"
        let admin = RouteConfiguration(
            route: Route(pattern: try RoutePattern("/admin"), action: .admin(AdminRoute(tokenEnvironmentVariable: "TEST_ADMIN_TOKEN"))))
        // A reload re-reads this configuration: it always succeeds, so a 500 would be a real failure.
        let current = Mutex<GatewayConfiguration?>(nil)
        let gateway = try await TestGateway.start(
            environment: ["TEST_ADMIN_TOKEN": token],
            reloadSource: TestGateway.ReloadSource { try current.withLock { $0 }.orThrow() }
        ) { $0.routes.append(admin) }
        current.withLock { $0 = gateway.server.configuration }
        // Something to list and show: two channels with history, one stream with a known session.
        _ = try await gateway.publish("alpha", body: "one")
        _ = try await gateway.publish("beta", body: "two")
        let subscriber = try ChildProcess("curl", ["-sS", "-N", "--max-time", "240", "\(gateway.plainURL)/events/alpha?session=watcher"])
        defer { subscriber.terminate() }
        #expect(await gateway.waitForSubscribers("alpha", count: 1))

        let reports = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-schemathesis-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: reports) }
        let run: (status: Int32, output: String, errors: String)
        do {
            try FileManager.default.createDirectory(atPath: reports, withIntermediateDirectories: true)
            run = try await ChildProcess.run("/usr/bin/env", [
                "-C", reports, schemathesis, "run", root.appendingPathComponent("docs/openapi-admin.yaml").path,
                "--url", gateway.plainURL,
                "-H", "Authorization: Bearer \(token)",
                "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance",
                "--mode", "all",
                "--max-examples", "40",
                "--seed", "13",
                "--request-timeout", "10",
                "--report-dir", reports,
                "--generation-database", "none",
                "--no-color",
            ], timeout: .seconds(240), environment: ["NO_COLOR": "1"])
        } catch {
            await gateway.stop()
            throw error
        }
        let stillUp = try await gateway.curl([gateway.plainURL + "/healthz"])
        await gateway.stop()
        #expect(run.status == 0, "schemathesis found problems:\n\(run.output.suffix(6000))\n\(run.errors.suffix(2000))")
        #expect(run.output.contains("Selected: 7/7") && run.output.contains("Tested: 7"), "\(run.output.suffix(3000))")
        let passed = run.output.firstMatch(of: /(\d+) generated, (\d+) passed/).flatMap { Int($0.2) } ?? 0
        #expect(passed >= 50, "\(run.output.suffix(3000))")
        #expect(stillUp.status == 200, "the gateway survived the run")
    }
}

private struct NoConfiguration: Error {}

extension Optional {
    /// The value, or an error for a reload source that has nothing yet.
    fileprivate func orThrow() throws -> Wrapped {
        guard let value = self else { throw NoConfiguration() }
        return value
    }
}
