import Foundation
import GatewayTestSupport
import Synchronization
import Testing

/// A `redis-server` of one test on a free loopback port and a temporary folder, optionally with AOF
/// (`appendfsync always`, so a kill loses nothing it answered). Stopped by its PID only.
final class ScaleOutRedis: Sendable {
    let port: Int
    let directory: URL
    private let arguments: [String]
    private let process = Mutex<Process?>(nil)
    /// Between a kill and the next launch's readiness the port is held (`PortReservation`), so a restart
    /// finds it free.
    private let reservation = Mutex<PortReservation?>(nil)

    /// `redis-server` is installed. Under `CI=true` the tests run anyway and fail when it is not (CI must
    /// install it: the Makefile's APT_PACKAGES); elsewhere they are skipped, visibly.
    static let isAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server")
    static let mustRun = isAvailable || ProcessInfo.processInfo.environment["CI"] == "true"

    private init(port: Int, directory: URL, arguments: [String]) {
        self.port = port
        self.directory = directory
        self.arguments = arguments
    }

    static func start(appendOnly: Bool) async throws -> ScaleOutRedis {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-scaleout-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var lastError: Error?
        for _ in 0..<5 {  // a free port may be taken by another suite between probe and bind
            let port = try FreeTCPPort.pick()
            let arguments = ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--dir", directory.path,
                             "--appendonly", appendOnly ? "yes" : "no", "--appendfsync", "always",
                             "--logfile", directory.appendingPathComponent("redis.log").path, "--daemonize", "no"]
            let server = ScaleOutRedis(port: port, directory: directory, arguments: arguments)
            do {
                try await server.launch()
                return server
            } catch {
                lastError = error
                server.kill()
            }
        }
        throw lastError ?? ScaleOutFailure("redis-server did not start")
    }

    var url: String { "redis://127.0.0.1:\(port)" }

    /// SIGKILL: like a crash; clients get no goodbye.
    func kill() {
        process.withLock { process in
            guard let process, process.isRunning else { return }
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let port = port
        reservation.withLock { $0 = $0 ?? PortReservation(port: port) }
    }

    /// Starts again on the same port and folder (with AOF, the same data).
    func restart() async throws {
        kill()
        try await launch()
    }

    func stop() {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { kill() }

    /// Runs `redis-cli` against this server (test set-up and checks).
    func cli(_ arguments: [String]) async throws -> String {
        let result = try await ChildProcess.run("redis-cli", ["-h", "127.0.0.1", "-p", String(port)] + arguments, timeout: .seconds(10))
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func launch() async throws {
        let logFile = directory.appendingPathComponent("redis.log")
        let offset = (try? Data(contentsOf: logFile).count) ?? 0
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process.withLock { $0 = process }
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let fresh = String(decoding: ((try? Data(contentsOf: logFile)) ?? Data()).dropFirst(offset), as: UTF8.self)
            if fresh.contains("Ready to accept connections") {
                reservation.withLock { $0 = nil }
                return
            }
            guard process.isRunning else { throw ScaleOutFailure("redis-server exited: \(fresh.suffix(400))") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ScaleOutFailure("redis-server not ready in 10 s")
    }
}

/// A port the kernel just handed out on 127.0.0.1 and that we released again.
enum FreeTCPPort {
    static func pick() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ScaleOutFailure("socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw ScaleOutFailure("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct ScaleOutFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
