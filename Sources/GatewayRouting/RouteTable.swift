/// The routing table: routes tried in order, first match wins (as in the config file).
public struct RouteTable: Sendable, Hashable {
    public let routes: [Route]
    private let table: PatternTable<Int>

    public init(_ routes: [Route]) {
        self.routes = routes
        self.table = PatternTable(routes.enumerated().map { ($0.element.pattern, $0.offset) })
    }

    /// The first route whose pattern matches `path` (no query string), with its parameters.
    public func match(path: Substring) -> RouteMatch? {
        guard let (index, parameters) = table.match(path: path) else { return nil }
        return RouteMatch(routeIndex: index, route: routes[index], parameters: parameters)
    }
}

/// Patterns tried in order, each with what it leads to; the first match wins. The application keeps its
/// compiled responders here, so a match hands back the responder itself rather than a position to look up.
public struct PatternTable<Target: Sendable>: Sendable {
    private let entries: [(pattern: RoutePattern, target: Target)]

    public init(_ entries: [(RoutePattern, Target)]) {
        self.entries = entries.map { (pattern: $0.0, target: $0.1) }
    }

    /// The first entry whose pattern matches `path` (no query string), with the path's parameters.
    public func match(path: Substring) -> (target: Target, parameters: [String: String])? {
        guard let segments = RoutePattern.segments(of: path) else { return nil }
        for entry in entries {
            if let parameters = entry.pattern.match(segments: segments) { return (entry.target, parameters) }
        }
        return nil
    }
}

extension PatternTable: Equatable, Hashable where Target: Hashable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.entries.elementsEqual(rhs.entries) { $0.pattern == $1.pattern && $0.target == $1.target }
    }

    public func hash(into hasher: inout Hasher) {
        for entry in entries {
            hasher.combine(entry.pattern)
            hasher.combine(entry.target)
        }
    }
}
