/// An upstream URL with `{name}` holes in its path and query, e.g.
/// `https://origin/stream?symbol={symbol}`, filled from the request's path parameters and then its query
/// parameters.
///
/// Values are percent-encoded (everything but RFC 3986 §2.3 unreserved characters), so a request cannot
/// add path segments, query parameters or a fragment to the origin's URL. Holes are refused in the scheme
/// and authority: which host the gateway connects to is the operator's choice, never the client's.
///
/// Encoding leaves `.` alone (it is unreserved), so a value of `..` would still climb the origin's path:
/// `/api/streams/{id}/events` with `id=..` is `/api/events` once the origin removes dot segments (RFC 3986
/// §5.2.4). `expanded` therefore refuses any path segment that is, or percent-decodes to, `.` or `..`,
/// and caps the URL's length (`defaultMaximumLength`). A value filling a path hole cannot hold `/` or `\`
/// either, nor percent-encodings of them: encoded they stay inside one segment here, but origins and
/// proxies that decode `%2F` (or treat `\` as `/`) would see `a/../../admin` climb the path.
public struct UpstreamURLTemplate: Sendable, Hashable, CustomStringConvertible {
    /// Longest expanded URL `expanded` accepts by default: a client cannot make the gateway hold or send
    /// arbitrarily long URLs (they key shared upstreams). Far above any real stream URL; the default of
    /// `upstreams.max_url_length`.
    public static let defaultMaximumLength = 2048

    private let template: ParameterTemplate
    /// Where the path starts in an expanded URL: the scheme and authority are literal, so it is fixed.
    private let pathOffset: Int
    /// Parameters whose holes are in the path (before any `?`): their values cannot carry separators.
    private let pathParameterNames: Set<String>

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
        let pathAndQuery = afterScheme.dropFirst(authority.count)
        let literalPath = pathAndQuery.prefix { $0 != "?" }
        if literalPath.split(separator: "/").contains(where: { Self.isDotSegment($0) && !$0.contains("{") }) {
            throw RoutePatternError("an upstream URL's path cannot contain '.' or '..' segments")
        }
        template = try ParameterTemplate(text)
        pathOffset = text.utf8.count - pathAndQuery.utf8.count
        var inQuery = false
        var pathNames: Set<String> = []
        for part in template.parts {
            switch part {
            case .literal(let literal): inQuery = inQuery || literal.contains("?")
            case .parameter(let name): if !inQuery { pathNames.insert(name) }
            }
        }
        pathParameterNames = pathNames
    }

    /// The URL for one request, or why there is none (the caller answers 400).
    public func expanded(
        _ parameters: [String: String], maximumLength: Int = Self.defaultMaximumLength
    ) throws(UpstreamURLError) -> String {
        if let missing = template.parameterNames.first(where: { parameters[$0] == nil }) {
            throw .missingParameter(missing)
        }
        for name in template.parameterNames where pathParameterNames.contains(name) {
            if let value = parameters[name], Self.holdsSeparator(value) { throw .separatorInValue(name) }
        }
        guard let url = template.expand(parameters.mapValues(Self.percentEncoded)) else {
            throw .missingParameter(template.parameterNames.joined(separator: ", "))
        }
        guard url.utf8.count <= maximumLength else {
            throw .tooLong(limit: maximumLength)
        }
        let path = url.utf8.dropFirst(pathOffset).prefix { $0 != UInt8(ascii: "?") }
        for segment in Substring(path).split(separator: "/") where Self.isDotSegment(segment) {
            throw .dotSegment(String(segment))
        }
        return url
    }

    /// The URL for one request; nil when a parameter has no value or `expanded` refuses it.
    public func expand(_ parameters: [String: String]) -> String? {
        try? expanded(parameters)
    }

    /// `.` or `..`, also percent-encoded (`%2e%2E`, RFC 3986 §2.3 says they are equivalent) and encoded
    /// again (`%252e`, for origins or proxies that decode twice).
    ///
    /// Only `%`, hex digits and `.` can ever decode to dots (any other character survives every round),
    /// so anything else is let through at once. Four rounds cover triple encoding; a segment of nothing but
    /// escapes and dots that still decodes after them is refused too, rather than decoded without bound.
    static func isDotSegment(_ segment: Substring) -> Bool {
        let couldDecodeToDots = segment.utf8.allSatisfy {
            $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: ".") || UInt8(ascii: "0")...UInt8(ascii: "9") ~= $0
                || UInt8(ascii: "a")...UInt8(ascii: "f") ~= $0 || UInt8(ascii: "A")...UInt8(ascii: "F") ~= $0
        }
        guard couldDecodeToDots else {
            return false
        }
        var text = segment
        for _ in 0..<4 {
            if text == "." || text == ".." {
                return true
            }
            guard text.contains("%"), let decoded = PercentDecoding.decode(text) else {
                return false
            }
            text = Substring(decoded)
        }
        return text == "." || text == ".." || PercentDecoding.decode(text).map { $0 != text } == true
    }

    /// `/` or `\\` in the value, or in what up to four rounds of percent-decoding make of it (`%2F`,
    /// `%252F`); a value that still decodes after four rounds is refused rather than decoded without bound.
    static func holdsSeparator(_ value: String) -> Bool {
        var text = value
        for _ in 0..<4 {
            if text.contains("/") || text.contains("\\") {
                return true
            }
            guard text.contains("%"), let decoded = PercentDecoding.decode(Substring(text)), decoded != text else {
                return false
            }
            text = decoded
        }
        return text.contains("/") || text.contains("\\") || PercentDecoding.decode(Substring(text)).map { $0 != text } == true
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
