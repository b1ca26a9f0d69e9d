/// Why no upstream URL could be made from a request's parameters. Every case is the client's doing, so the
/// caller answers 400 (RFC 9110 §15.5.1) with `code` as the machine-readable reason.
///
/// A struct over a private enum so new reasons do not break callers.
public struct UpstreamURLError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Reason: Sendable, Hashable {
        case missingParameter(String)
        case dotSegment(String)
        case separatorInValue(String)
        case tooLong(limit: Int)
    }

    private let reason: Reason

    /// The template names a parameter the request did not supply.
    public static func missingParameter(_ name: String) -> Self { Self(reason: .missingParameter(name)) }
    /// A value made a path segment `.` or `..` (or a percent-encoded form of them), which the origin would
    /// resolve against the path (RFC 3986 §5.2.4) and so reach another resource than the route names.
    public static func dotSegment(_ segment: String) -> Self { Self(reason: .dotSegment(segment)) }
    /// A value filling a path hole holds `/` or `\` (or a percent-encoding of one): an origin that decodes
    /// it would see more path segments than the route names.
    public static func separatorInValue(_ name: String) -> Self { Self(reason: .separatorInValue(name)) }
    /// The expanded URL is longer than the limit.
    public static func tooLong(limit: Int) -> Self { Self(reason: .tooLong(limit: limit)) }

    /// A stable snake_case reason for the error body.
    public var code: String {
        switch reason {
        case .missingParameter: "missing_parameter"
        case .dotSegment, .separatorInValue: "invalid_parameter"
        case .tooLong: "url_too_long"
        }
    }

    public var description: String {
        switch reason {
        case .missingParameter(let name): "this stream needs the parameter '\(name)'"
        case .dotSegment(let segment): "a parameter value cannot make the path segment '\(segment)' ('.' and '..' are refused)"
        case .separatorInValue(let name): "the parameter '\(name)' fills a path segment and cannot contain '/' or '\\' (also percent-encoded)"
        case .tooLong(let limit): "the upstream URL would be longer than \(limit) bytes"
        }
    }
}
