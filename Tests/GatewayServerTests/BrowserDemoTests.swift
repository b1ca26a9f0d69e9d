import Foundation
import GatewayConfig
import GatewayTestSupport
import Testing

/// Headless Chromium (selenium) on the demo page over TLS: 20 EventSources share one HTTP/2 connection,
/// published events arrive intact, and after a gateway restart every stream comes back with the memory
/// engine's `stream-gap`. The browser side is `Clients/browser_demo.py`; this test owns the gateway.
///
/// Needs Debian `chromium` + `chromium-driver` and PyPI `selenium` (`make deps python-deps`). Without them
/// the test is skipped, visibly, except under `CI=true`, where a missing browser is a failure.
@Suite struct BrowserDemoTests {
    static let chromium = "/usr/bin/chromium"
    static let chromedriver = "/usr/bin/chromedriver"

    /// What is missing for the browser test, or nil when it can run.
    static let missing: String? = {
        var missing: [String] = []
        if !FileManager.default.isExecutableFile(atPath: chromium) { missing.append(chromium + " (apt: chromium)") }
        if !FileManager.default.isExecutableFile(atPath: chromedriver) { missing.append(chromedriver + " (apt: chromium-driver)") }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import selenium"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        if (try? probe.run()) == nil { missing.append("python3") } else {
            probe.waitUntilExit()
            if probe.terminationStatus != 0 { missing.append("selenium (pip)") }
        }
        return missing.isEmpty ? nil : missing.joined(separator: ", ")
    }()

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    @Test(.enabled(if: missing == nil || isCI, "needs chromium, chromium-driver and selenium: \(missing ?? "")"), .timeLimit(.minutes(4)))
    func twentyEventSourcesShareOneConnectionAndSurviveARestart() async throws {
        if let missing = Self.missing {
            Issue.record("CI=true but the browser test cannot run: missing \(missing)")
            return
        }
        let defaults = try GatewayConfiguration.parse(yaml: GatewayConfiguration.defaultYAML, fileName: "default")
        var gateway = try await TestGateway.start { $0.routes = defaults.routes }
        let (tlsPort, plainPort) = (gateway.tlsPort, gateway.plainPort)
        let control = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-browser-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: control, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: control) }
        var arguments = ["\(Resume.clientsDirectory)/browser_demo.py", "--url", "https://127.0.0.1:\(tlsPort)/",
                         "--control", control, "--streams", "20", "--timeout", "180"]
        if let screenshot = ProcessInfo.processInfo.environment["SSEGATE_DEMO_SCREENSHOT"] { arguments += ["--screenshot", screenshot] }
        let browser = try ChildProcess("python3", arguments)
        defer { browser.terminate() }

        let readyForRestart = await waitForFile(control + "/ready", while: browser, timeout: .seconds(90))
        #expect(readyForRestart, "the browser did not get through the first part: \(browser.text) \(browser.errorText)")
        // The restart: drain (streams end with their retry hint), then a new gateway, a new memory engine
        // and so a new epoch, on the same ports.
        await gateway.server.drain(deadline: .seconds(2))
        let previousDirectory = gateway.directory
        gateway = try await TestGateway.start { configuration in
            configuration.routes = defaults.routes
            configuration.listeners[0].port = tlsPort
            configuration.listeners[1].port = plainPort
        }
        try? FileManager.default.removeItem(atPath: previousDirectory)
        _ = FileManager.default.createFile(atPath: control + "/restarted", contents: Data())

        let status = await browser.waitForExit(timeout: .seconds(150))
        await gateway.stop()
        #expect(status == 0, "browser_demo.py: \(browser.text) \(browser.errorText.suffix(3000))")
        let result = try #require(browser.text.split(separator: "\n").first { $0.hasPrefix("RESULT ") }, "\(browser.text)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.dropFirst(7).utf8)) as? [String: Any])
        #expect(summary["streams"] as? Int == 20)
        #expect(summary["page_protocols"] as? [String] == ["h2"])
        #expect(summary["ended_stream_protocols"] as? [String] == ["h2"])
        #expect(summary["payload_lengths"] as? [Int] == [54, 49, 3000])
        #expect(!(summary["gap_reasons"] as? [String] ?? []).isEmpty)
    }

    private func waitForFile(_ path: String, while child: ChildProcess, timeout: Duration) async -> Bool {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout, child.isRunning {
            if FileManager.default.fileExists(atPath: path) { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return FileManager.default.fileExists(atPath: path)
    }
}
