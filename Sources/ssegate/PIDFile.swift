import Foundation

/// The process id file: one decimal number and a newline.
enum PIDFile {
    struct Unreadable: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "\(path): \(reason)" }
    }

    static func write(to path: String) throws {
        try Data("\(getpid())\n".utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    static func read(_ path: String) throws -> pid_t {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Unreadable(path: path, reason: "cannot read the pid file (is the gateway running with --pid-file?)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let pid = pid_t(text), pid > 0 else {
            throw Unreadable(path: path, reason: "expected a process id, found '\(text.prefix(40))'")
        }
        return pid
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
