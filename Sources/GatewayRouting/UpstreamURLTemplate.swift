/// An upstream URL with `{name}` holes in its path and query, e.g.
/// `https://origin/stream?symbol={symbol}`, filled from the request's path parameters and then its query
/// parameters.
///
/// Values are percent-encoded (everything but RFC 3986 §2.3 unreserved characters), so a request cannot
/// add path segments, query parameters or a fragment to the origin's URL. Holes are refused in the scheme
/// and authority: which host the gateway connects to is the operator's choice, never the client's.
public struct UpstreamURLTemplate: Sendable, Hashable, CustomStringConvertible {
    private let template: ParameterTemplate

    public var description: String { template.description }
    public var parameterNames: [String] { template.parameterNames }

    public init(_ text: String) throws(RoutePatternError) {
        let lower = text.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw RoutePatternError("an upstream URL must start with http:// or https://")
        }
        let afterScheme = text[text.index(text.startIndex, offsetBy: lower.hasPrefix("https://") ? 8 : 7)...]
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" }
        if authority.isEmpty { throw RoutePatternError("an upstream URL needs a host") }
        if authority.contains("{") || authority.contains("}") {
            throw RoutePatternError("parameters are allowed in the upstream URL's path and query, not in its host or port")
        }
        if text.contains("#") { throw RoutePatternError("an upstream URL cannot contain a fragment ('#')") }
        if text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            throw RoutePatternError("an upstream URL cannot contain whitespace or control characters")
        }
        template = try ParameterTemplate(text)
    }

    /// The URL for one request; nil when a parameter has no value.
    public func expand(_ parameters: [String: String]) -> String? {
        template.expand(parameters.mapValues(Self.percentEncoded))
    }

    static func percentEncoded(_ value: String) -> String {
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                result.unicodeScalars.append("%")
                result.unicodeScalars.append(hex[Int(byte >> 4)])
                result.unicodeScalars.append(hex[Int(byte & 0x0F)])
            }
        }
        return result
    }
}
