import NIOCore

/// The client a per-address limit counts: an IPv4 address, or an IPv6 /64.
///
/// One IPv6 subscriber (a home, a phone, a cloud VM) is routinely given a whole /64 (RFC 6177, RFC 7934)
/// and can pick any of its 2^64 addresses for each connection, so keying IPv6 by the exact address would
/// make every per-address limit unlimited. IPv4-mapped IPv6 (`::ffff:a.b.c.d`, what a dual-stack socket
/// bound to `::` reports for an IPv4 client) is the IPv4 address, so one client counts once whichever
/// socket it reached.
public enum ClientAddressKey: Hashable, Sendable, CustomStringConvertible {
    /// An IPv4 address, in host byte order.
    case ipv4(UInt32)
    /// The first 64 bits of an IPv6 address, as one big-endian number.
    case ipv6Prefix(UInt64)
    /// A socket without an IP address (a Unix socket): all such clients share one key.
    case other

    public init(_ address: SocketAddress?) {
        switch address {
        case .v4(let v4):
            self = .ipv4(UInt32(bigEndian: v4.address.sin_addr.s_addr))
        case .v6(let v6):
            self = Self(ipv6: withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) })
        case .unixDomainSocket, nil:
            self = .other
        }
    }

    /// The key of a 16-byte IPv6 address (network order).
    public init(ipv6 bytes: [UInt8]) {
        precondition(bytes.count == 16, "an IPv6 address has 16 bytes")
        // ::ffff:0:0/96 (RFC 4291 §2.5.5.2): ten zero bytes, two 0xff, then the IPv4 address.
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            self = .ipv4(bytes[12..<16].reduce(0) { $0 << 8 | UInt32($1) })
        } else {
            self = .ipv6Prefix(bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) })
        }
    }

    /// `192.0.2.7` or `2001:db8:1:2::/64`, for log lines.
    public var description: String {
        switch self {
        case .ipv4(let address):
            return (0..<4).map { String(address >> (24 - 8 * $0) & 0xff) }.joined(separator: ".")
        case .ipv6Prefix(let prefix):
            return (0..<4).map { String(prefix >> (48 - 16 * $0) & 0xffff, radix: 16) }.joined(separator: ":") + "::/64"
        case .other:
            return "local"
        }
    }
}
