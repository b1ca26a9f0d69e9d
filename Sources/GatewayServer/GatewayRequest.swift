import GatewayRouting
import NIOCore

/// A complete request, the same shape whether it came over HTTP/2 or HTTP/1.1.
struct GatewayRequest {
    var method: String
    /// The path without its query string.
    var path: Substring
    /// Query parameters in order, percent-decoded (`+` as space); nil value for a malformed escape.
    var query: [(name: String, value: String?)]
    /// Header fields with lowercase names.
    var headers: [(name: String, value: String)]
    var body: ByteBuffer
    /// Whether the listener it arrived on lets it publish without a token.
    var trustedListener: Bool

    init(method: String, target: String, headers: [(name: String, value: String)], body: ByteBuffer, trustedListener: Bool) {
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
        self.trustedListener = trustedListener
    }

    /// First value of a header (name in lowercase).
    func header(_ name: String) -> String? {
        headers.first { $0.name == name }?.value
    }

    /// First value of a query parameter.
    func queryValue(_ name: String) -> String? {
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
