/// An expanded upstream URL taken apart for connecting: `http(s)://host[:port]/path?query`.
///
/// Only what an SSE origin needs: no user info (credentials belong in forwarded headers, not in URLs
/// that end up in logs), no fragment (never sent, RFC 9110 §4.2.4).
public struct UpstreamEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var secure: Bool
    /// Host name or IP literal, without IPv6 brackets; sent as SNI and checked against the certificate.
    public var host: String
    public var port: Int
    /// Path and query, as sent in the request line (`/` when the URL has no path).
    public var target: String

    /// The URL as given.
    public let description: String

    /// The `Host` header / `:authority`: the port only when it is not the scheme's default.
    public var authority: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (secure ? 443 : 80) ? name : "\(name):\(port)"
    }

    public init(_ url: String) throws(UpstreamEndpointError) {
        let rest: Substring
        if url.lowercased().hasPrefix("https://") {
            secure = true
            rest = url.dropFirst(8)
        } else if url.lowercased().hasPrefix("http://") {
            secure = false
            rest = url.dropFirst(7)
        } else {
            throw UpstreamEndpointError("the URL must start with http:// or https://")
        }
        guard !url.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true }) else {
            throw UpstreamEndpointError("the URL must not contain spaces or control characters")
        }
        if url.contains("#") { throw UpstreamEndpointError("the URL must not contain a fragment ('#')") }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        if authority.contains("@") { throw UpstreamEndpointError("the URL must not contain user info; forward credentials as headers") }
        let hostPart: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw UpstreamEndpointError("unterminated IPv6 literal") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw UpstreamEndpointError("unexpected text after the IPv6 literal") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            hostPart = authority
        }
        guard !hostPart.isEmpty else { throw UpstreamEndpointError("the URL has no host") }
        host = String(hostPart)
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw UpstreamEndpointError("'\(portText)' is not a port number (1-65535)")
            }
            self.port = port
        } else {
            port = secure ? 443 : 80
        }
        let path = rest[authorityEnd...]
        target = path.hasPrefix("/") ? String(path) : "/" + path
        description = url
    }
}

public struct UpstreamEndpointError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
