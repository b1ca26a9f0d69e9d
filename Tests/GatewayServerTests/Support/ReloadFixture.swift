import Foundation
import GatewayTestSupport
import GatewayTLS
import Testing

/// A folder with two development CAs (each with a localhost certificate, different serials) and a
/// configuration file the tests rewrite between reloads.
struct ReloadFixture {
    let directory: String
    let first: DevelopmentCertificateAuthority.Files
    let second: DevelopmentCertificateAuthority.Files
    var configurationPath: String { directory + "/ssegate.yaml" }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-reload-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        first = try DevelopmentCertificateAuthority.ensure(directory: directory + "/first", names: ["localhost", "127.0.0.1"])
        second = try DevelopmentCertificateAuthority.ensure(directory: directory + "/second", names: ["localhost", "127.0.0.1"])
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A configuration with a TLS and a trusted plaintext listener (fixed ports, or 0), the given
    /// certificate, and `/events`, `/publish`, `/healthz` plus the extra route `/{extraRoute}/{channel}`.
    func yaml(certificate: DevelopmentCertificateAuthority.Files, extraRoute: String, tlsPort: Int = 0, plainPort: Int = 0,
              maxConnections: Int = 1000, extra: String = "") -> String {
        """
        listeners:
          - name: tls
            host: 127.0.0.1
            port: \(tlsPort)
            tls: true
          - name: plain
            host: 127.0.0.1
            port: \(plainPort)
            tls: false
            trusted: true
        tls:
          certificates:
            - certificate: \(certificate.certificatePath)
              key: \(certificate.keyPath)
          generate_development_certificate: false
        streams:
          heartbeat: 2s
          retry: 1s
        limits:
          max_connections: \(maxConnections)
        logging:
          level: notice
          access_log: false
        \(extra)
        routes:
          - path: /events/{channel}
            channel: "{channel}"
          - path: /\(extraRoute)/{channel}
            channel: "{channel}"
          - path: /publish/{channel}
            publish: "{channel}"
          - path: /healthz
            health: liveness
        """
    }

    /// A configuration that fails validation at a known place: line 4, column 5 (`chanel`).
    static let brokenYAML = """
    routes:
      - path: /events/{channel}
        channel: "{channel}"
      - chanel: nothing
    """

    func write(_ text: String) throws {
        try text.write(toFile: configurationPath, atomically: true, encoding: .utf8)
    }

    /// The serial number of the certificate a new handshake on `port` gets, as `openssl x509 -serial` prints it.
    static func servedSerial(port: Int, caFile: String) async throws -> String? {
        let script = "openssl s_client -connect 127.0.0.1:\(port) -servername localhost -CAfile '\(caFile)' -verify_return_error </dev/null 2>/dev/null | openssl x509 -noout -serial"
        let result = try await ChildProcess.run("sh", ["-c", script])
        let line = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return line.hasPrefix("serial=") ? String(line.dropFirst("serial=".count)) : nil
    }

    static func serial(of files: DevelopmentCertificateAuthority.Files) async throws -> String {
        let result = try await ChildProcess.run("openssl", ["x509", "-noout", "-serial", "-in", files.certificatePath])
        return String(result.output.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst("serial=".count))
    }

    /// A curl client holding one event stream open.
    static func stream(_ url: String, http2: Bool, caFile: String) throws -> ChildProcess {
        try ChildProcess("curl", ["-sS", "-N", "--max-time", "120", http2 ? "--http2" : "--http1.1", "--cacert", caFile, url])
    }

    /// The `data:` lines a stream received, in order.
    static func dataLines(_ stream: ChildProcess) -> [String] {
        stream.text.split(separator: "\n", omittingEmptySubsequences: false).filter { $0.hasPrefix("data: ") }.map(String.init)
    }

    /// Whether the last line a stream received is a `retry:` hint (how the server ends a stream it ends).
    static func endsWithRetryHint(_ stream: ChildProcess) -> Bool {
        let lines = stream.text.split(separator: "\n")
        guard let last = lines.last, last.hasPrefix("retry: ") else { return false }
        return Int(last.dropFirst("retry: ".count)) != nil
    }

    /// Publishes `body` on the trusted plaintext listener.
    static func publish(port: Int, channel: String, body: String) async throws -> Int {
        let result = try await ChildProcess.run("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "--data-binary", body, "http://127.0.0.1:\(port)/publish/\(channel)"])
        return Int(result.output) ?? 0
    }

    /// The HTTP status of a GET over TLS trusting `caFile` (0 when the handshake fails).
    static func status(_ url: String, caFile: String) async throws -> Int {
        let result = try await ChildProcess.run("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "--cacert", caFile, url])
        return Int(result.output) ?? 0
    }
}
