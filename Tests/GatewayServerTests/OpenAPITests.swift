import Foundation
import GatewayConfig
import GatewayTestSupport
import Testing

/// schemathesis (PyPI) against a running gateway with the default routes, driven by `docs/openapi.yaml`:
/// generated requests, valid and invalid, must never get a 5xx, and every answer must match the document
/// (status, content type, headers, body schema).
///
/// Skipped, visibly, when schemathesis is not installed, except under `CI=true`, where that is a failure.
@Suite struct OpenAPITests {
    static let schemathesis: String? = {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/schemathesis" }
        return paths.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    @Test(.enabled(if: schemathesis != nil || isCI, "needs schemathesis (pip install schemathesis)"), .timeLimit(.minutes(5)))
    func publishAndHealthAPIsMatchTheirOpenAPIDocument() async throws {
        guard let schemathesis = Self.schemathesis else {
            Issue.record("CI=true but schemathesis is not on PATH (pip install schemathesis)")
            return
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let defaults = try GatewayConfiguration.parse(yaml: GatewayConfiguration.defaultYAML, fileName: "default")
        let gateway = try await TestGateway.start { $0.routes = defaults.routes }
        let reports = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-schemathesis-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: reports) }
        let run: (status: Int32, output: String, errors: String)
        do {
            // Run inside the temporary folder (`env -C`): schemathesis and hypothesis keep caches in the
            // working directory, which would otherwise be the package root.
            try FileManager.default.createDirectory(atPath: reports, withIntermediateDirectories: true)
            run = try await ChildProcess.run("/usr/bin/env", [
                "-C", reports, schemathesis, "run", root.appendingPathComponent("docs/openapi.yaml").path,
                "--url", gateway.plainURL,
                "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance",
                "--mode", "all",
                "--max-examples", "60",
                "--seed", "13",
                "--request-timeout", "10",
                "--report-dir", reports,
                // No example database: each run starts from the seed alone.
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
        // It really ran: all four operations of the document were tested, with generated cases that passed.
        #expect(run.output.contains("Selected: 4/4") && run.output.contains("Tested: 4"), "\(run.output.suffix(3000))")
        let passed = run.output.firstMatch(of: /(\d+) generated, (\d+) passed/).flatMap { Int($0.2) } ?? 0
        #expect(passed >= 100, "\(run.output.suffix(3000))")
        #expect(stillUp.status == 200, "the gateway survived the run")
    }
}
