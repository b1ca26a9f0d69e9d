import GatewayRouting
import NIOCore
import NIOHTTP1

/// A complete request, the same shape whether it came over HTTP/2 or HTTP/1.1.
public struct Request {
    public var method: HTTPMethod
    /// The path without its query string.
    public var path: Substring
    /// Query parameters in order, percent-decoded (`+` as space); nil value for a malformed escape.
    public var query: [(name: String, value: String?)]
    /// Header fields with lowercase names.
    public var headers: [(name: String, value: String)]
    public var body: ByteBuffer
    /// The connection it arrived on.
    public var connection: ConnectionInfo

    public init(method: HTTPMethod, target: String, headers: [(name: String, value: String)], body: ByteBuffer, connection: ConnectionInfo) {
        self.method = method
        let target = Substring(target)
        if let mark = target.firstIndex(of: "?") {
            path = target[..<mark]
            query = Self.parseQuery(target[target.index(after: mark)...])
        } else {
            path = target
            query = []
        }
        self.headers = headers
        self.body = body
        self.connection = connection
    }

    /// First value of a header (name in lowercase).
    public func header(_ name: String) -> String? {
        headers.first { $0.name == name }?.value
    }

    /// First value of a query parameter.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value ?? nil
    }

    private static func parseQuery(_ text: Substring) -> [(name: String, value: String?)] {
        text.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decode(parts[0], plusIsSpace: true), !name.isEmpty else { return nil }
            let value = parts.count > 1 ? PercentDecoding.decode(parts[1], plusIsSpace: true) : ""
            return (name, value)
        }
    }
}

/// Where a request came from: what policy (trust, limits, logs) may depend on, for both protocols.
public struct ConnectionInfo: Sendable {
    /// The listener's name from the config.
    public var listener: String
    /// Whether the listener lets requests publish without credentials (loopback plaintext by default).
    public var trusted: Bool
    /// The client's address, when the socket has one.
    public var remoteAddress: SocketAddress?
    /// Which protocol the connection speaks.
    public var applicationProtocol: ApplicationProtocol
    /// The process-unique number of the connection (the `connection` of its log lines; 0 when unnumbered):
    /// streams name it in their `stream-open` event, so a page can see that its streams share one connection.
    public var id: UInt64

    public init(listener: String, trusted: Bool, remoteAddress: SocketAddress? = nil, applicationProtocol: ApplicationProtocol = .http2, id: UInt64 = 0) {
        self.id = id
        self.listener = listener
        self.trusted = trusted
        self.remoteAddress = remoteAddress
        self.applicationProtocol = applicationProtocol
    }
}

/// Which application protocol a connection speaks, decided once per connection.
public enum ApplicationProtocol: String, Sendable {
    case http2 = "h2"
    case http1 = "http/1.1"

    /// ALPN identifiers (RFC 7301 registry), in our order of preference.
    public static let alpnIdentifiers = [http2.rawValue, http1.rawValue]
}
