import Foundation
import GatewayTLS
import GatewayTestSupport
import Testing

@testable import GatewayACME

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Let's Encrypt's Pebble (a real RFC 8555 server) and pebble-challtestsrv (its DNS: every name is
/// 127.0.0.1) on free loopback ports, one pair per test, so runs never collide.
///
/// Pebble's HTTPS certificate is made here with `DevelopmentCertificateAuthority`, so the tests need no
/// files from outside the repository; the client trusts that CA. Pebble validates HTTP-01 on `httpPort`
/// and TLS-ALPN-01 on `tlsPort` of 127.0.0.1, where each test runs its challenge server.
final class PebbleHarness {
    static let pebblePath = "/usr/bin/pebble"
    static let challengeServerPath = "/usr/bin/pebble-challtestsrv"

    /// Whether these tests run: when Pebble is installed, and always under `CI=true`, where a missing
    /// binary must be a failure rather than a skip.
    static let shouldRun: Bool = {
        let installed = FileManager.default.isExecutableFile(atPath: pebblePath)
            && FileManager.default.isExecutableFile(atPath: challengeServerPath)
        let onCI = ProcessInfo.processInfo.environment["CI"] == "true"
        if !installed && !onCI {
            print("Skipping the Pebble ACME tests: \(pebblePath) or \(challengeServerPath) is missing (apt-get install pebble).")
        }
        return installed || onCI
    }()

    let workDirectory: String
    let listenPort: Int
    let managementPort: Int
    let httpPort: Int
    let tlsPort: Int
    let dnsPort: Int
    /// The CA that signed Pebble's own HTTPS certificate (what an ACME client must trust).
    let pebbleHTTPSRoots: String
    private var processes: [Process] = []

    var directoryURL: String { "https://127.0.0.1:\(self.listenPort)/dir" }

    /// A running Pebble. Its ports are picked free and then handed to Pebble, so another process can take
    /// one in between (seen once: "bind: address already in use", with 700 tests running beside it); then
    /// it starts again on fresh ports, up to three times.
    static func start() throws -> PebbleHarness {
        var attempt = 1
        while true {
            do {
                return try PebbleHarness()
            } catch let error as HarnessError where error.portTaken && attempt < 3 {
                attempt += 1
            }
        }
    }

    init() throws {
        for path in [Self.pebblePath, Self.challengeServerPath] where !FileManager.default.isExecutableFile(atPath: path) {
            throw HarnessError("\(path) is missing; install Debian's pebble package")
        }
        self.workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-pebble-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: self.workDirectory, withIntermediateDirectories: true)
        let ports = try FreePorts.pick(5)
        (self.listenPort, self.managementPort, self.httpPort, self.tlsPort, self.dnsPort) = (ports[0], ports[1], ports[2], ports[3], ports[4])

        let https = try DevelopmentCertificateAuthority.ensure(directory: self.workDirectory + "/https", names: ["localhost", "127.0.0.1"])
        self.pebbleHTTPSRoots = https.caCertificatePath
        let configuration: [String: Any] = [
            "pebble": [
                "listenAddress": "127.0.0.1:\(self.listenPort)",
                "managementListenAddress": "127.0.0.1:\(self.managementPort)",
                "certificate": https.certificatePath,
                "privateKey": https.keyPath,
                "httpPort": self.httpPort,
                "tlsPort": self.tlsPort,
                "ocspResponderURL": "",
                "externalAccountBindingRequired": false,
            ] as [String: Any],
        ]
        let configurationPath = self.workDirectory + "/pebble-config.json"
        try JSONSerialization.data(withJSONObject: configuration, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: configurationPath))

        // DNS only: empty -http01/-https01/-tlsalpn01 keep it off the ports the client under test uses.
        try self.launch(Self.challengeServerPath, [
            "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", "127.0.0.1:\(self.dnsPort)",
            "-management", "127.0.0.1:\(try FreePorts.pick(1)[0])", "-http01", "", "-https01", "", "-tlsalpn01", "",
        ], log: "challtestsrv.log", environment: [:])
        // No sleeps in validation, no rejected nonces, fresh authorizations for every order.
        try self.launch(Self.pebblePath, ["-config", configurationPath, "-dnsserver", "127.0.0.1:\(self.dnsPort)"], log: "pebble.log", environment: [
            "PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0", "PEBBLE_AUTHZREUSE": "0",
        ])
        try self.waitUntilListening(self.listenPort, within: .seconds(15))
        try self.waitUntilListening(self.managementPort, within: .seconds(15))
    }

    deinit {
        self.stop()
    }

    /// Pebble's root (new at every start), from the management endpoint, as a PEM file path.
    func fetchRoot(using client: ACMEHTTPClient) async throws -> String {
        let response = try await client.send(.GET, to: "https://127.0.0.1:\(self.managementPort)/roots/0", accept: "application/pem-certificate-chain")
        guard response.status == 200 else { throw HarnessError("roots/0 answered \(response.status)") }
        let path = self.workDirectory + "/pebble-root.pem"
        try Data(response.body).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The last lines of Pebble's log, for failure messages.
    func pebbleLog() -> String {
        let text = (try? String(contentsOfFile: self.workDirectory + "/pebble.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(15).joined(separator: "\n")
    }

    /// SIGTERM to each process this harness started, then wait for it (SIGKILL after 10 s).
    func stop() {
        for process in self.processes.reversed() where process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(50_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        self.processes.removeAll()
    }

    private func launch(_ executable: String, _ arguments: [String], log: String, environment: [String: String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: self.workDirectory)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let logPath = self.workDirectory + "/" + log
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else { throw HarnessError("cannot create \(logPath)") }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.processes.append(process)
    }

    private func waitUntilListening(_ port: Int, within limit: Duration) throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if FreePorts.isListening(port) { return }
            guard self.processes.allSatisfy(\.isRunning) else { break }
            usleep(50_000)
        }
        let log = self.pebbleLog()
        throw HarnessError("nothing listens on 127.0.0.1:\(port); pebble log:\n\(log)", portTaken: log.contains("address already in use"))
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    /// Pebble could not bind a port it was given: another process took it after it was picked.
    var portTaken = false
    init(_ description: String, portTaken: Bool = false) {
        self.description = description
        self.portTaken = portTaken
    }
}
