/// A refusal: a status, a stable machine-readable code and a message for people, rendered in one place as
/// `{"error":{"status":…,"code":"…","message":"…"}}` (plus any members a refusal adds).
public struct HTTPError: Error, Sendable {
    public var status: Int
    public var code: ErrorCode
    public var message: String
    /// Extra response headers (`allow`, `www-authenticate`, `retry-after`…).
    public var headers: [(name: String, value: String)]
    /// Extra members of the `error` object (`upstream_status`…), after the three above.
    public var details: [(String, JSONValue)]

    public init(_ status: Int, _ code: ErrorCode, _ message: String, headers: [(name: String, value: String)] = [], details: [(String, JSONValue)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.details = details
    }

    /// The JSON error every bad request gets.
    public var response: Response {
        let members: [(String, JSONValue)] = [("status", .int(status)), ("code", .string(code.rawValue)), ("message", .string(message))] + details
        return .json(status, .object([("error", .object(members))]), headers: headers)
    }
}

/// The `code` of an error body: a stable snake_case name clients can switch on. A struct rather than an
/// enum so each layer adds its own codes where it refuses.
public struct ErrorCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    // The protocol layer's own refusals.
    public static let headersTooLarge = ErrorCode(rawValue: "headers_too_large")
    public static let bodyTooLarge = ErrorCode(rawValue: "body_too_large")
    public static let internalError = ErrorCode(rawValue: "internal_error")
}

extension HTTPError {
    public static func bodyTooLarge(limit: Int) -> HTTPError {
        HTTPError(413, .bodyTooLarge, "the request body is larger than \(limit) bytes")
    }
}
