import Foundation
import Synchronization

/// A real client (curl, nghttp, python) run as a child process, its output collected as it arrives.
public final class ChildProcess: Sendable {
    private let process: Process
    private let output = Collected()
    private let errors = Collected()
    private let pipes: (output: Pipe, errors: Pipe)

    /// Bytes a pipe delivered so far, appended from the pipe's reader thread.
    private final class Collected: Sendable {
        let data = Mutex(Data())
        func append(_ chunk: Data) { data.withLock { $0.append(chunk) } }
        var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }
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
        stdout.fileHandleForReading.readabilityHandler = { [output] handle in
            let chunk = handle.availableData
            output.append(chunk)
        }
        stderr.fileHandleForReading.readabilityHandler = { [errors] handle in
            let chunk = handle.availableData
            errors.append(chunk)
        }
        try process.run()
    }

    /// Runs to completion (bounded by `timeout`) and returns exit status and output.
    public static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(20), environment: [String: String]? = nil) async throws -> (status: Int32, output: String, errors: String) {
        let child = try ChildProcess(executable, arguments, environment: environment)
        let status = await child.waitForExit(timeout: timeout)
        return (status, child.text, child.errorText)
    }

    public var text: String { output.text }
    public var errorText: String { errors.text }
    public var isRunning: Bool { process.isRunning }

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
        try? await Task.sleep(for: .milliseconds(30))
        // Under load the reader threads may not be called again after the exit: what the child wrote last
        // (curl's `-w` status line, the end of a large body) can still sit in the pipes. Read it here.
        drain(pipes.output, into: output)
        drain(pipes.errors, into: errors)
        return process.terminationStatus
    }

    private func drain(_ pipe: Pipe, into collected: Collected) {
        let handle = pipe.fileHandleForReading
        handle.readabilityHandler = nil
        let rest = handle.readDataToEndOfFile()
        if !rest.isEmpty { collected.append(rest) }
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
