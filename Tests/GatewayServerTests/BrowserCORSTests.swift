import Foundation
import GatewayAuth
import GatewayTestSupport
import Testing

/// A real browser across origins: headless Chromium loads a page from origin A (a static server on its own
/// port), which opens an `EventSource` with credentials to the gateway (origin B) and makes a `fetch` with an
/// `Authorization` header (so a CORS preflight must pass); events arrive. The same page from origin C, not on
/// the route's allow-list, is refused by the browser.
///
/// Needs Debian `chromium` and `chromium-driver` and PyPI `selenium` (`make deps python-deps`). Without them the
/// test is skipped, visibly; under `CI=true` it runs and fails instead.
@Suite(.serialized) struct BrowserCORSTests {
    static let browserAvailable: Bool = {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
            && (try? Self.runSynchronously("/usr/bin/env", ["python3", "-c", "import selenium"])) == 0
    }()
    static let requiredByCI = ProcessInfo.processInfo.environment["CI"] == "true"

    static func runSynchronously(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    static let clients = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients")

    /// A static file server for the test page on an ephemeral port; returns it and its origin.
    private func staticServer() async throws -> (ChildProcess, String) {
        let server = try ChildProcess("python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", Self.clients.path])
        #expect(await server.waitForOutput(containing: "port "), "\(server.errorText)")
        let port = try #require(server.text.components(separatedBy: "port ").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) })
        return (server, "http://127.0.0.1:\(port)")
    }

    @Test(.enabled(if: browserAvailable || requiredByCI, "needs chromium, chromium-driver and selenium (make deps python-deps)"))
    func pageFromAnAllowedOriginReceivesEventsAndAnotherOriginIsRefused() async throws {
        try #require(Self.browserAvailable, "CI=true: chromium, chromium-driver and selenium must be installed (make deps python-deps)")
        let (originA, allowedOrigin) = try await staticServer()
        defer { originA.terminate() }
        let (originC, refusedOrigin) = try await staticServer()
        defer { originC.terminate() }
        let gateway = try await TestGateway.start(environment: AuthTestSupport.environment) { configuration in
            AuthTestSupport.configure(&configuration)
            configuration.routes[0].cors = try! CORSPolicy(origins: [allowedOrigin], allowsCredentials: true)
        }
        let token = try await AuthTestSupport.token(subscribe: ["browser", "browser-fetch"])
        let query = "gateway=\(gateway.plainURL)&token=\(token)"
        let browser = try ChildProcess("python3", [Self.clients.appendingPathComponent("cors_browser.py").path,
                                                  "\(allowedOrigin)/cors_page.html?\(query)", "\(refusedOrigin)/cors_page.html?\(query)"])
        defer { browser.terminate() }
        // Publish until the browser is done, so the allowed page gets events whenever its stream opens.
        let publishing = Task {
            var number = 0
            while !Task.isCancelled {
                number += 1
                _ = try? await gateway.publish("browser", body: "hello browser \(number)")
                try? await Task.sleep(for: .milliseconds(300))
            }
        }
        defer { publishing.cancel() }
        let exit = await browser.waitForExit(timeout: .seconds(60))
        #expect(exit == 0, "\(browser.errorText.suffix(2000))")
        let pages = browser.text.split(separator: "\n").compactMap { line in
            try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }
        let allowed = try #require(pages.first { $0["page"] as? String == "allowed" }, "\(browser.text)")
        let refused = try #require(pages.first { $0["page"] as? String == "refused" }, "\(browser.text)")

        // Origin A: the preflighted fetch got the stream's first bytes, and the EventSource opened and received.
        #expect(allowed["fetch"] as? String == "status 200 :ok", "\(allowed)")
        #expect(allowed["open"] as? Bool == true, "\(allowed)")
        #expect((allowed["events"] as? [String])?.contains { $0.hasPrefix("hello browser") } == true, "\(allowed)")
        // Origin C: the preflight carries no allow-origin, so fetch fails; the EventSource never opens.
        #expect((refused["fetch"] as? String)?.hasPrefix("failed") == true, "\(refused)")
        #expect(refused["open"] as? Bool == false, "\(refused)")
        #expect(refused["error"] as? Bool == true, "\(refused)")
        #expect((refused["events"] as? [String])?.isEmpty == true, "\(refused)")
        await gateway.stop()
    }
}
