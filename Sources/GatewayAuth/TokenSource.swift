/// Finds a request's bearer token: the `Authorization: Bearer` header, then the configured cookie, then the
/// `access_token` query parameter (RFC 6750 §2.1, §2.3; the cookie for browsers, whose `EventSource` cannot set
/// headers but sends cookies with `withCredentials`).
///
/// The first place that holds a non-empty token wins; the others are not looked at, so a stale cookie cannot
/// override a fresh header. An `Authorization` header with another scheme (`Basic`) is not a bearer token and
/// is passed over.
public struct TokenSource: Sendable, Hashable {
    /// Where a token was found, for logs and metrics.
    public enum Location: String, Sendable, Hashable {
        case authorizationHeader = "authorization"
        case cookie
        case queryParameter = "query"
    }

    /// A token and where it came from. Its description names only the location, so it can be logged.
    public struct FoundToken: Sendable, Hashable, CustomStringConvertible {
        /// The token, to pass to ``TokenVerifier/verify(_:now:)`` and never to a log.
        public let token: String
        public let location: Location

        public var description: String { "token from \(location.rawValue)" }
    }

    /// The query parameter EventSource clients put the token in (RFC 6750 §2.3).
    public static let queryParameterName = "access_token"

    /// The cookie that carries the token; nil takes no token from cookies.
    public let cookieName: String?

    public init(cookieName: String?) {
        self.cookieName = cookieName
    }

    /// The token of a request. `headers` have lowercase names, as HTTP/2 sends them and NIO's HTTP/1 decoder
    /// can give them; `query` holds percent-decoded pairs.
    public func find(headers: [(name: String, value: String)], query: [(name: String, value: String?)]) -> FoundToken? {
        for header in headers where header.name == "authorization" {
            if let token = Self.bearerToken(inAuthorization: header.value) {
                return FoundToken(token: token, location: .authorizationHeader)
            }
        }
        if let cookieName {
            // RFC 9113 §8.2.3: HTTP/2 may split the cookie header into one field per cookie.
            for header in headers where header.name == "cookie" {
                if let token = Self.cookie(named: cookieName, inCookieHeader: header.value), !token.isEmpty {
                    return FoundToken(token: token, location: .cookie)
                }
            }
        }
        for parameter in query where parameter.name == Self.queryParameterName {
            if let token = parameter.value, !token.isEmpty {
                return FoundToken(token: token, location: .queryParameter)
            }
        }
        return nil
    }

    /// `Bearer <token>`: the scheme is case-insensitive (RFC 9110 §11.1), then one or more spaces.
    static func bearerToken(inAuthorization value: String) -> String? {
        let scheme = "bearer"
        guard value.utf8.count > scheme.utf8.count,
            value.prefix(scheme.count).lowercased() == scheme,
            value.dropFirst(scheme.count).first == " "
        else { return nil }
        let token = value.dropFirst(scheme.count).drop { $0 == " " }
        let trimmed = token.reversed().drop { $0 == " " }.reversed()
        return trimmed.isEmpty ? nil : String(trimmed)
    }

    /// The value of cookie `name` in one `cookie` field: `a=b; c=d` (RFC 6265 §4.2.1), with the optional
    /// double quotes of a cookie-value removed. Names compare exactly, as browsers send them.
    static func cookie(named name: String, inCookieHeader value: String) -> String? {
        for pair in value.split(separator: ";") {
            let trimmed = pair.drop { $0 == " " || $0 == "\t" }
            guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == name else { continue }
            var cookieValue = trimmed[trimmed.index(after: equals)...]
            while cookieValue.last == " " || cookieValue.last == "\t" { cookieValue = cookieValue.dropLast() }
            if cookieValue.count >= 2, cookieValue.first == "\"", cookieValue.last == "\"" {
                cookieValue = cookieValue.dropFirst().dropLast()
            }
            return String(cookieValue)
        }
        return nil
    }
}
