#if canImport(Glibc)
import Glibc
#endif

/// RSS and CPU time of the server's processes, read from /proc (Linux). Several pids are summed: nginx
/// runs a master and workers.
struct ServerSample {
    var rssBytes: Int
    var cpuSeconds: Double
}

struct ServerProcessSampler {
    let pids: [Int32]
    private let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    init(pids: [Int32]) {
        self.pids = pids
    }

    var isEnabled: Bool { !self.pids.isEmpty }

    func sample() -> ServerSample {
        var total = ServerSample(rssBytes: 0, cpuSeconds: 0)
        for pid in self.pids {
            total.rssBytes += Self.rssKiB(pid) * 1024
            total.cpuSeconds += Double(Self.cpuTicks(pid)) / self.ticksPerSecond
        }
        return total
    }

    /// `VmRSS:   123456 kB` from /proc/<pid>/status.
    private static func rssKiB(_ pid: Int32) -> Int {
        guard let text = readFile("/proc/\(pid)/status") else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return 0
    }

    /// utime + stime (fields 14 and 15 of /proc/<pid>/stat, counted after the parenthesised comm).
    private static func cpuTicks(_ pid: Int32) -> Int {
        guard let text = readFile("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3), so field n is fields[n - 3].
        guard fields.count > 12 else { return 0 }
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    private static func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
