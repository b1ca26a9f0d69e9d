import Foundation
import Synchronization

/// A real client (curl, nghttp, python) run as a child process, its output collected as it arrives.
public final class ChildProcess: Sendable {
    private let process: Process
    private let output = Collected()
    private let errors = Collected()
    private let pipes: (output: Pipe, errors: Pipe)

    /// Bytes a pipe delivered so far, appended by the pipe's reader thread until end of file.
    ///
    /// A plain thread doing blocking reads, not `FileHandle.readabilityHandler`: clearing that handler while
    /// its dispatch source fires crashed libdispatch under load, and the handler was not always called
    /// for the last bytes after the child exited.
    private final class Collected: Sendable {
        /// The bytes, and when each read delivered its part of them (the offset it ended at): timings taken
        /// on this reader thread are not delayed by a test task waiting for a busy concurrency pool.
        private struct Received {
            var data = Data()
            var arrivals: [(end: Int, at: ContinuousClock.Instant)] = []
        }

        private let received = Mutex(Received())
        let reachedEnd = Atomic<Bool>(false)
        func append(_ chunk: Data) {
            let now = ContinuousClock.now
            received.withLock {
                $0.data.append(chunk)
                $0.arrivals.append(($0.data.count, now))
            }
        }
        var text: String { received.withLock { String(decoding: $0.data, as: UTF8.self) } }

        /// When the bytes that completed the first `needle` arrived.
        func arrival(of needle: String) -> ContinuousClock.Instant? {
            received.withLock { received in
                guard let range = received.data.range(of: Data(needle.utf8)) else { return nil }
                return received.arrivals.first { $0.end >= range.upperBound }?.at
            }
        }

        var lastArrival: ContinuousClock.Instant? { received.withLock { $0.arrivals.last?.at } }

        func startReading(_ handle: FileHandle) {
            let descriptor = handle.fileDescriptor
            Thread { [self] in
                var buffer = [UInt8](repeating: 0, count: 64 * 1024)
                while true {
                    let count = read(descriptor, &buffer, buffer.count)
                    if count > 0 {
                        append(Data(buffer[0..<count]))
                    } else if count < 0, errno == EINTR {
                        continue
                    } else {
                        break
                    }
                }
                reachedEnd.store(true, ordering: .releasing)
            }.start()
        }
    }
    public let commandLine: String

    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new } }
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        self.process = process
        self.pipes = (stdout, stderr)
        self.commandLine = ([executable] + arguments).joined(separator: " ")
        try process.run()
        output.startReading(stdout.fileHandleForReading)
        errors.startReading(stderr.fileHandleForReading)
    }

    /// Runs to completion (bounded by `timeout`) and returns exit status and output.
    public static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(20), environment: [String: String]? = nil) async throws -> (status: Int32, output: String, errors: String) {
        let child = try ChildProcess(executable, arguments, environment: environment)
        let status = await child.waitForExit(timeout: timeout)
        return (status, child.text, child.errorText)
    }

    public var text: String { output.text }
    /// When the output first contained `needle`, as its reader thread received it (not when a test noticed).
    public func outputArrival(of needle: String) -> ContinuousClock.Instant? { output.arrival(of: needle) }
    /// When the last output bytes arrived.
    public var lastOutputArrival: ContinuousClock.Instant? { output.lastArrival }
    public var errorText: String { errors.text }
    public var isRunning: Bool { process.isRunning }
    public var pid: Int32 { process.processIdentifier }

    /// Waits until the collected output satisfies `condition`; false on timeout or if the process ended first.
    public func waitForOutput(timeout: Duration = .seconds(10), _ condition: (String) -> Bool) async -> Bool {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            if condition(text) { return true }
            if !process.isRunning {
                try? await Task.sleep(for: .milliseconds(50))  // let the last output arrive
                return condition(text)
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(text)
    }

    public func waitForOutput(containing needle: String, timeout: Duration = .seconds(10)) async -> Bool {
        await waitForOutput(timeout: timeout) { $0.contains(needle) }
    }

    /// Waits for exit; kills the process when the timeout passes. Returns the exit status.
    public func waitForExit(timeout: Duration) async -> Int32 {
        let start = ContinuousClock.now
        while process.isRunning, ContinuousClock.now - start < timeout {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { terminate() }
        process.waitUntilExit()
        // What the child wrote last (curl's `-w` status line, the end of a large body) is read once its
        // pipes reach end of file; a grandchild holding them open bounds the wait.
        let drained = ContinuousClock.now
        while !(output.reachedEnd.load(ordering: .acquiring) && errors.reachedEnd.load(ordering: .acquiring)),
              ContinuousClock.now - drained < .seconds(2) {
            try? await Task.sleep(for: .milliseconds(5))
        }
        return process.terminationStatus
    }

    /// Sends a signal to the child (only this process, by its PID).
    public func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Stops the child (only this process, by its PID). SIGKILL: children started from Swift concurrency
    /// threads inherit a signal mask that blocks SIGTERM, so `Process.terminate()` would leave them running.
    public func terminate() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    deinit {
        terminate()
    }
}
