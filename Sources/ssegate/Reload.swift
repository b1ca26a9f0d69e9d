import ArgumentParser
import Foundation

/// `ssegate reload --pid-file FILE`: asks the running gateway to reload (SIGHUP). The outcome is in the
/// gateway's log: one line with what changed, or every problem with its position and the old
/// configuration still serving.
struct Reload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a running gateway to reload its configuration and certificates (sends SIGHUP)."
    )

    @Option(name: .long, help: "The file `ssegate run --pid-file` wrote.")
    var pidFile: String

    func run() async throws {
        let pid: pid_t
        do {
            pid = try PIDFile.read(pidFile)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
        guard kill(pid, SIGHUP) == 0 else {
            FileHandle.standardError.write(Data("cannot signal process \(pid) from \(pidFile): \(String(cString: strerror(errno)))\n".utf8))
            throw ExitCode(1)
        }
        print("sent SIGHUP to \(pid); the gateway logs the outcome")
    }
}
