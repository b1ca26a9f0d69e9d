import Logging
import NIOCore
import Synchronization

/// Log lines for connections refused at accept, at most one per listener and reason per second: a flood
/// is refused by the thousand, and a line for each would be a second flood (into the logs). Each line
/// says how many refusals it stands for.
final class RefusalLog: Sendable {
    private struct Key: Hashable {
        let listener: String
        let reason: ConnectionRefusal
    }

    private struct Window {
        var loggedAt: Int64
        var suppressed: Int
    }

    static let interval: Int64 = 1_000_000_000
    private let logger: Logger
    /// One entry per listener and reason: bounded by the configuration, not by the clients.
    private let windows = Mutex<[Key: Window]>([:])

    init(logger: Logger) {
        self.logger = logger
    }

    func refused(_ reason: ConnectionRefusal, listener: String, client: String, now: Int64 = Int64(NIODeadline.now().uptimeNanoseconds)) {
        let key = Key(listener: listener, reason: reason)
        let suppressed: Int? = windows.withLock { windows in
            if let window = windows[key], now - window.loggedAt < Self.interval {
                windows[key]?.suppressed += 1
                return nil
            }
            let suppressed = windows[key]?.suppressed ?? 0
            windows[key] = Window(loggedAt: now, suppressed: 0)
            return suppressed
        }
        guard let suppressed else { return }
        logger.warning("connection refused at accept: \(reason.explanation)", metadata: [
            "listener": "\(listener)", "reason": "\(reason.rawValue)", "client": "\(client)",
            "refused_since_last_line": "\(suppressed + 1)",
        ])
    }
}
