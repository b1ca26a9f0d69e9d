internal import COpenSSL

/// The one place where OpenSSL's thread-local error queue becomes Swift values.
///
/// OpenSSL reports *why* something failed by pushing entries on a per-thread queue; the return value of
/// the failing call only says *that* it failed. Callers `clear()` before a call (so stale entries from an
/// earlier connection on the same event-loop thread cannot leak into this one) and `drain()` after a failure.
enum OpenSSLErrorQueue {
    /// Forgets whatever an earlier call left behind.
    static func clear() {
        ERR_clear_error()
    }

    /// Removes every entry and returns them as readable lines, oldest first, e.g.
    /// "error:0A000086:SSL routines::certificate verify failed".
    static func drain() -> [String] {
        var lines: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            // 256 bytes is ERR_error_string_n's documented recommended size; it truncates safely.
            let line = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { buffer in
                ERR_error_string_n(code, buffer.baseAddress, buffer.count)
                return String(cString: buffer.baseAddress!)
            }
            lines.append(line)
        }
        return lines
    }

    /// The drained queue as one string, for errors that carry a single reason.
    static func drainReason(default fallback: String) -> String {
        let lines = self.drain()
        return lines.isEmpty ? fallback : lines.joined(separator: "; ")
    }
}
