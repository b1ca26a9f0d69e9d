/// A path pattern such as `/events/{channel}`: literal segments and whole-segment `{name}` parameters.
///
/// Matching is segment by segment on the request path (without its query). A parameter matches exactly one
/// non-empty segment, percent-decoded; it never spans a `/`, so `/events/{channel}` does not match
/// `/events/a/b`.
public struct RoutePattern: Sendable, Hashable, CustomStringConvertible {
    typealias Segment = PatternPart

    /// The pattern as written in the config.
    public let description: String
    let segments: [Segment]

    /// Names of the `{parameters}` in order of appearance.
    public var parameterNames: [String] {
        segments.parameterNames
    }

    public init(_ text: String) throws(RoutePatternError) {
        guard text.hasPrefix("/") else { throw RoutePatternError("a route path must start with '/'") }
        var segments: [Segment] = []
        var seen: Set<String> = []
        // A query or fragment never reaches matching (callers pass the path alone), so such a route could
        // never match; whitespace and controls cannot appear in a request target (RFC 9112 §3.2).
        if let bad = text.first(where: { $0 == "?" || $0 == "#" }) {
            throw RoutePatternError("a route path cannot contain '\(bad)'")
        }
        if text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            throw RoutePatternError("a route path cannot contain whitespace or control characters")
        }
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            if raw == "{}" {
                throw RoutePatternError("'{}': a parameter needs a name, like '{channel}'")
            } else if raw.hasPrefix("{") && raw.hasSuffix("}") && raw.count > 2 {
                let name = String(raw.dropFirst().dropLast())
                guard PatternPart.isParameterName(name) else {
                    throw RoutePatternError("parameter name '\(name)' must be letters, digits or '_'")
                }
                guard seen.insert(name).inserted else { throw RoutePatternError("parameter '{\(name)}' appears twice") }
                segments.append(.parameter(name))
            } else if raw.contains("{") || raw.contains("}") {
                throw RoutePatternError("'\(raw)': a parameter must be a whole path segment, like '{channel}'")
            } else if raw.isEmpty && text != "/" {
                // Only the root pattern `/` has an (its one) empty segment; `//a` and `/a/` are mistakes.
                throw RoutePatternError("empty path segment ('//' or a trailing '/')")
            } else {
                // Literals are kept decoded and compared with the decoded request segment, so `%65vents`
                // matches `events` (RFC 3986 §6.2.2.2: percent-encoding does not change the identity).
                guard let literal = PercentDecoding.decode(raw) else {
                    throw RoutePatternError("'\(raw)': malformed percent-escape")
                }
                segments.append(.literal(literal))
            }
        }
        self.description = text
        self.segments = segments
    }

    /// The parameters if `path` (no query string) matches, else nil.
    public func match(_ path: Substring) -> [String: String]? {
        Self.segments(of: path).flatMap(match(segments:))
    }

    /// A path's segments as `match(segments:)` takes them; nil if it does not start with `/`. Split once per
    /// request, not once per route tried.
    static func segments(of path: Substring) -> [Substring]? {
        guard path.first == "/" else { return nil }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
    }

    /// `match` on a path already split by `segments(of:)`.
    func match(segments parts: [Substring]) -> [String: String]? {
        guard parts.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let literal):
                // Without a `%` decoding would give `part` back: skip making that string.
                guard part == literal || (part.utf8.contains(UInt8(ascii: "%")) && PercentDecoding.decode(part) == literal) else {
                    return nil
                }
            case .parameter(let name):
                guard !part.isEmpty, let decoded = PercentDecoding.decode(part) else { return nil }
                parameters[name] = decoded
            }
        }
        return parameters
    }
}

/// A route pattern that cannot be parsed; the config layer adds the file position.
public struct RoutePatternError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
