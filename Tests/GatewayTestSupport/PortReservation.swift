import Foundation
import Synchronization

/// Holds a loopback TCP port while a test server is "down": a socket bound to 127.0.0.1:port that does
/// not listen, so clients are refused exactly as if nothing were there, but no other test's `bind(0)` can
/// be given the port. The suites run in parallel and bind hundreds of ephemeral ports; a server that
/// closes its listener and binds again later can find its port taken, and the test then fails for a
/// reason that has nothing to do with what it checks.
///
/// Written here on plain sockets: NIO has no bound-but-not-listening channel; `ServerBootstrap
/// .withBoundSocket` takes the descriptor over (and listens on it) when the server comes back.
public final class PortReservation: Sendable {
    private let descriptor: Mutex<CInt?>

    /// Nil when the port could not be bound (someone took it in the instant after the listener closed).
    public init?(port: Int) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return nil }
        var one: CInt = 1
        // The server's accepted connections still hold the port; they were made with SO_REUSEADDR too.
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<CInt>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(socket)
            return nil
        }
        descriptor = Mutex(socket)
    }

    /// Gives the bound socket to the caller, who now owns it (and closes it).
    public func takeDescriptor() -> CInt? {
        descriptor.withLock { descriptor in
            defer { descriptor = nil }
            return descriptor
        }
    }

    deinit {
        if let socket = takeDescriptor() { close(socket) }
    }
}
