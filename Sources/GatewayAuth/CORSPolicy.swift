/// A route's CORS policy (WHATWG Fetch §3.2): which origins may read its responses, with or without
/// credentials, and what a preflight may ask for.
///
/// Pure values and logic: the middleware passes a request's headers in and writes the returned headers out.
/// Preflights are answered before authentication (the browser sends no credentials on them), with 204.
public struct CORSPolicy: Sendable, Hashable {
    /// Request headers every policy allows: `last-event-id` (EventSource resume), `authorization` (bearer
    /// tokens), `content-type` (JSON publishes) and `idempotency-key` (publish retries).
    public static let requiredHeaders = ["last-event-id", "authorization", "content-type", "idempotency-key"]
    /// Methods allowed when the configuration names none: subscribe and publish.
    public static let defaultMethods = ["GET", "POST"]
    /// How long a browser may cache a preflight: 10 minutes (Chromium caps any value at 2 hours).
    public static let defaultMaxAge: Duration = .seconds(600)

    /// The origin allow-list.
    public let origins: [OriginPattern]
    /// Whether responses may be read by requests made with credentials (cookies, `withCredentials`).
    public let allowsCredentials: Bool
    /// Allowed request headers, lowercase: ``requiredHeaders`` plus the configured ones.
    public let allowedHeaders: [String]
    /// Allowed methods, uppercase (default ``defaultMethods``).
    public let allowedMethods: [String]
    /// How long a preflight answer may be cached (default ``defaultMaxAge``).
    public let maxAge: Duration

    /// Refuses an empty allow-list, `*` together with credentials (Fetch forbids `*` on a credentialed
    /// response, and reflecting every origin instead would hand any site the user's session), a negative
    /// max-age, and methods or headers that are not HTTP tokens.
    public init(
        origins: [String],
        allowsCredentials: Bool = false,
        allowedHeaders: [String] = [],
        allowedMethods: [String] = CORSPolicy.defaultMethods,
        maxAge: Duration = CORSPolicy.defaultMaxAge
    ) throws(CORSConfigurationError) {
        guard !origins.isEmpty else { throw CORSConfigurationError("cors.origins cannot be empty") }
        var patterns: [OriginPattern] = []
        for origin in origins {
            patterns.append(try OriginPattern(origin))
        }
        if allowsCredentials, patterns.contains(where: \.allowsAnyOrigin) {
            throw CORSConfigurationError("cors: origin '*' cannot be combined with credentials; list the origins")
        }
        guard maxAge >= .zero else { throw CORSConfigurationError("cors.max_age cannot be negative") }
        for name in allowedHeaders + allowedMethods where !Self.isToken(name) {
            throw CORSConfigurationError("cors: '\(name)' is not a header or method name")
        }
        guard !allowedMethods.isEmpty else { throw CORSConfigurationError("cors.methods cannot be empty") }
        var headers = Self.requiredHeaders
        for header in allowedHeaders.map({ $0.lowercased() }) where !headers.contains(header) {
            headers.append(header)
        }
        var methods: [String] = []
        for method in allowedMethods.map({ $0.uppercased() }) where !methods.contains(method) {
            methods.append(method)
        }
        self.origins = patterns
        self.allowsCredentials = allowsCredentials
        self.allowedHeaders = headers
        self.allowedMethods = methods
        self.maxAge = maxAge
    }

    /// Whether an origin is on the allow-list.
    public func allows(origin: String) -> Bool {
        origins.contains { $0.matches(origin) }
    }

    /// RFC 9110 §5.6.2 `token`: what a method or a field name is made of.
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            default:
                "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }
}
