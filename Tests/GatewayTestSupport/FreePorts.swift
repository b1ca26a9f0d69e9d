import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Loopback ports that are free right now, for a process that must be told its ports up front (Pebble, a
/// gateway whose configuration names them, a child process whose configuration a test rewrites).
///
/// Picked at random *below* the kernel's ephemeral range (`ip_local_port_range`), and checked by binding
/// them. Why not a port-0 bind: such a port comes from the ephemeral range, so between the pick and the
/// process binding it, any outgoing connection or port-0 bind of the hundreds of tests running beside it
/// could take it ("address already in use", seen with Pebble and with a gateway under ACME). Below the
/// range the kernel never hands a port out by itself; only another explicit pick could collide. Each socket
/// stays open until all are picked, so one call never hands out the same port twice.
public enum FreePorts {
    public static func pick(_ count: Int) throws -> [Int] {
        var descriptors: [Int32] = []
        defer { descriptors.forEach { close($0) } }
        var ports: [Int] = []
        let candidates = Self.candidateRange()
        var attempts = 0
        while ports.count < count {
            attempts += 1
            guard attempts <= 1_000 else { throw FreePortError(errno: EADDRINUSE) }
            let port = Int.random(in: candidates)
            guard !ports.contains(port) else { continue }
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw FreePortError(errno: errno) }
            var address = loopback(port: port)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                close(descriptor)
                continue  // in use (a listener, or another test's pick): try another
            }
            descriptors.append(descriptor)
            ports.append(port)
        }
        return ports
    }

    /// Whether something accepts connections on 127.0.0.1:`port`.
    public static func isListening(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// 10,000 up to the ephemeral range's first port (32,768 by default on Linux).
    static func candidateRange() -> ClosedRange<Int> {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let low = text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32_768
        return 10_000...max(low - 1, 20_000)
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

public struct FreePortError: Error, CustomStringConvertible {
    public let errno: Int32
    public var description: String { "cannot pick a free port: errno \(errno)" }
}
