import Foundation
import GatewayRedis
import GatewayTestSupport
import Synchronization
import Testing

/// A real `redis-server` for one test: a free loopback port, a temporary folder, no persistence; stopped
/// by its PID (only the process this helper started) when the test ends or the object goes away.
final class RedisTestServer: Sendable {
    let port: Int
    let directory: URL
    let password: String?
    /// PEM files of the test CA and the server's certificate, for TLS servers.
    let certificates: TestCertificates?
    private let arguments: [String]
    private let process = Mutex<Process?>(nil)
    /// Between a kill and the next launch's readiness the port is held (`PortReservation`), so a restart
    /// finds it free.
    private let reservation = Mutex<PortReservation?>(nil)
    /// The log's length when the current process started: readiness is looked for after it.
    private let logOffset = Mutex(0)

    /// Connect timeout for tests that do not test timeouts: generous, because the suites run in parallel
    /// with other builds on a small machine, where a TLS handshake can take seconds.
    static let connectTimeout = Duration.seconds(10)

    /// `redis-server` exists and was built with TLS (Debian's is; a minimal build may not be).
    static let supportsTLS: Bool = {
        guard let output = try? ToolRun.output("redis-server", ["--version"]) else { return false }
        // Debian links OpenSSL dynamically; `ldd` is the reliable check, `--version` has no TLS flag.
        let linked = (try? ToolRun.output("ldd", ["/usr/bin/redis-server"])) ?? ""
        return output.contains("Redis server") && linked.contains("libssl")
    }()

    private init(port: Int, directory: URL, password: String?, certificates: TestCertificates?, arguments: [String]) {
        self.port = port
        self.directory = directory
        self.password = password
        self.certificates = certificates
        self.arguments = arguments
    }

    /// Starts a server and waits until it accepts connections (at most 10 s).
    static func start(password: String? = nil, tls: Bool = false) async throws -> RedisTestServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = tls ? try TestCertificates.make(in: directory) : nil
        var lastError: Error?
        for _ in 0..<5 {  // a free port may be taken by another suite between probe and bind
            let port = try FreePort.pick()
            var arguments = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.path,
                             "--logfile", directory.appendingPathComponent("redis.log").path, "--daemonize", "no"]
            if let certificates {
                arguments += ["--port", "0", "--tls-port", String(port), "--tls-cert-file", certificates.serverCertificate,
                              "--tls-key-file", certificates.serverKey, "--tls-ca-cert-file", certificates.caCertificate,
                              "--tls-auth-clients", "no"]
            } else {
                arguments += ["--port", String(port)]
            }
            if let password { arguments += ["--requirepass", password] }
            let server = RedisTestServer(port: port, directory: directory, password: password, certificates: certificates, arguments: arguments)
            do {
                try await server.launch()
                return server
            } catch {
                lastError = error
                server.kill()
            }
        }
        throw lastError ?? TestFailure("redis-server did not start")
    }

    var url: RedisURL {
        RedisURL(host: "127.0.0.1", port: self.port, usesTLS: self.certificates != nil, password: self.password)
    }

    var isRunning: Bool { self.process.withLock { $0?.isRunning ?? false } }

    /// Kills the server at once (SIGKILL: no goodbye to clients, like a crash or a pulled cable).
    func kill() {
        self.process.withLock { process in
            guard let process, process.isRunning else { return }
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let port = self.port
        self.reservation.withLock { $0 = $0 ?? PortReservation(port: port) }
    }

    /// Freezes the server (SIGSTOP): connections stay open and nothing is answered, like a hung host.
    func pause() {
        self.signal(SIGSTOP)
    }

    /// Lets a paused server run again (SIGCONT).
    func resume() {
        self.signal(SIGCONT)
    }

    private func signal(_ signal: Int32) {
        self.process.withLock { process in
            guard let process, process.isRunning else { return }
            Foundation.kill(process.processIdentifier, signal)
        }
    }

    /// Kills and starts again on the same port, with an empty dataset (a new `run_id`).
    func restart() async throws {
        self.kill()
        try await self.launch()
    }

    /// Kills the server and removes its folder.
    func stop() {
        self.kill()
        try? FileManager.default.removeItem(at: self.directory)
    }

    deinit {
        self.kill()
    }

    private func launch() async throws {
        let logFile = self.directory.appendingPathComponent("redis.log")
        let offset = (try? Data(contentsOf: logFile).count) ?? 0
        self.logOffset.withLock { $0 = offset }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        process.arguments = self.arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process.withLock { $0 = process }
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let log = (try? Data(contentsOf: logFile)) ?? Data()
            let fresh = String(decoding: log.dropFirst(offset), as: UTF8.self)
            if fresh.contains("Ready to accept connections") {
                self.reservation.withLock { $0 = nil }
                return
            }
            guard process.isRunning else { throw TestFailure("redis-server exited: \(fresh.suffix(400))") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("redis-server not ready in 10 s")
    }
}

/// A port the kernel just handed out on 127.0.0.1 and that we released again.
enum FreePort {
    static func pick() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestFailure("socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw TestFailure("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Every suite that starts a redis-server, one test at a time: they run beside the network-free suites
/// (and other packages' tests) on a two-core machine, where a dozen servers and TLS handshakes at once
/// starve each other past any sensible time-out.
@Suite(.serialized) enum LiveRedisTests {}
