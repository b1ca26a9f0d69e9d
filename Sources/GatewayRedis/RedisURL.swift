/// Where a Redis server is and how to log in: `redis://[[user]:password@]host[:port][/db]`, or `rediss://`
/// for TLS (the IANA-registered schemes, https://www.iana.org/assignments/uri-schemes/prov/redis).
///
/// User and password are percent-decoded, so a password may hold `@`, `:` or `/` written as `%40`, `%3A`,
/// `%2F`. A query string is refused rather than ignored: options there would silently have no effect.
public struct RedisURL: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    /// 6379 when the URL gives none (for `rediss://` too: Redis has no separate well-known TLS port).
    public var port: Int
    public var usesTLS: Bool
    /// An ACL user (Redis 6+); nil logs in as `default` when a password is set.
    public var username: String?
    public var password: String?
    /// Logical database for `SELECT`; 0 needs no command.
    public var database: Int

    public static let defaultPort = 6379

    public init(host: String, port: Int = Self.defaultPort, usesTLS: Bool = false, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.usesTLS = usesTLS
        self.username = username
        self.password = password
        self.database = database
    }

    public init(_ text: String) throws(RedisURLError) {
        var rest: Substring
        if text.hasPrefix("redis://") {
            self.usesTLS = false
            rest = text.dropFirst("redis://".count)
        } else if text.hasPrefix("rediss://") {
            self.usesTLS = true
            rest = text.dropFirst("rediss://".count)
        } else {
            throw .unsupportedScheme
        }
        guard !rest.contains("?"), !rest.contains("#") else { throw .queryNotSupported }

        // Database: everything after the first "/" of the authority.
        self.database = 0
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !path.isEmpty {
                guard let database = Int(path), database >= 0 else { throw .invalidDatabase(String(path)) }
                self.database = database
            }
        }

        // Credentials: up to the last "@", so an unencoded "@" in a password still parses.
        self.username = nil
        self.password = nil
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let user = try Self.percentDecoded(credentials[..<colon])
                self.username = user.isEmpty ? nil : user
                self.password = try Self.percentDecoded(credentials[credentials.index(after: colon)...])
            } else {
                // `redis://secret@host`: a lone credential is the password (what redis-cli -u does).
                self.password = try Self.percentDecoded(credentials)
            }
        }

        // Host and port; IPv6 literals in brackets (RFC 3986 §3.2.2).
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .invalidHost(String(rest)) }
            self.host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .invalidHost(String(rest)) }
                portText = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            self.host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            self.host = String(rest)
        }
        guard !self.host.isEmpty, !self.host.contains(" ") else { throw .invalidHost(self.host) }
        self.port = Self.defaultPort
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else { throw .invalidPort(String(portText)) }
            self.port = port
        }
    }

    /// The URL with the password hidden, for logs and errors.
    public var description: String {
        var text = self.usesTLS ? "rediss://" : "redis://"
        if self.username != nil || self.password != nil {
            text += (self.username ?? "") + (self.password == nil ? "" : ":***") + "@"
        }
        text += self.host.contains(":") ? "[\(self.host)]" : self.host
        text += ":\(self.port)"
        if self.database != 0 { text += "/\(self.database)" }
        return text
    }

    private static func percentDecoded(_ text: Substring) throws(RedisURLError) -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue) else {
                throw .invalidPercentEncoding
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw .invalidPercentEncoding }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// Why a Redis URL was refused; the text says what to write instead (the config layer shows it with the
/// line). No case carries the URL itself, which may hold a password.
public enum RedisURLError: Error, Sendable, Hashable, CustomStringConvertible {
    case unsupportedScheme
    case queryNotSupported
    case invalidHost(String)
    case invalidPort(String)
    case invalidDatabase(String)
    /// Carries no text: it would be the password.
    case invalidPercentEncoding

    public var description: String {
        switch self {
        case .unsupportedScheme: return "a Redis URL starts with redis:// or rediss:// (TLS)"
        case .queryNotSupported: return "a Redis URL takes no ?query or #fragment; set TLS and timeouts in the engine settings"
        case .invalidHost(let host): return "invalid host '\(host)' (IPv6 literals go in brackets: redis://[::1]:6379)"
        case .invalidPort(let port): return "invalid port '\(port)' (1-65535)"
        case .invalidDatabase(let database): return "invalid database '\(database)' (a number: redis://host:6379/0)"
        case .invalidPercentEncoding: return "invalid percent-encoding in the user or password (write @ as %40, : as %3A)"
        }
    }
}
