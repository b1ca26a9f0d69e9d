/// A path pattern such as `/events/{channel}`: literal segments and whole-segment `{name}` parameters.
///
/// Matching is segment by segment on the request path (without its query). A parameter matches exactly one
/// non-empty segment, percent-decoded; it never spans a `/`, so `/events/{channel}` does not match
/// `/events/a/b`.
public struct RoutePattern: Sendable, Hashable, CustomStringConvertible {
    enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
    }

    /// The pattern as written in the config.
    public let description: String
    let segments: [Segment]

    /// Names of the `{parameters}` in order of appearance.
    public var parameterNames: [String] {
        segments.compactMap { if case .parameter(let name) = $0 { name } else { nil } }
    }

    public init(_ text: String) throws(RoutePatternError) {
        guard text.hasPrefix("/") else { throw RoutePatternError("a route path must start with '/'") }
        var segments: [Segment] = []
        var seen: Set<String> = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            if raw.hasPrefix("{") && raw.hasSuffix("}") && raw.count > 2 {
                let name = String(raw.dropFirst().dropLast())
                guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), name.first?.isNumber == false else {
                    throw RoutePatternError("parameter name '\(name)' must be letters, digits or '_'")
                }
                guard seen.insert(name).inserted else { throw RoutePatternError("parameter '{\(name)}' appears twice") }
                segments.append(.parameter(name))
            } else if raw.contains("{") || raw.contains("}") {
                throw RoutePatternError("'\(raw)': a parameter must be a whole path segment, like '{channel}'")
            } else if raw.isEmpty && !segments.isEmpty {
                throw RoutePatternError("empty path segment ('//' or a trailing '/')")
            } else {
                segments.append(.literal(String(raw)))
            }
        }
        self.description = text
        self.segments = segments
    }

    /// The parameters if `path` (no query string) matches, else nil.
    public func match(_ path: Substring) -> [String: String]? {
        guard path.first == "/" else { return nil }
        let parts = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let literal):
                guard part == literal else { return nil }
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
