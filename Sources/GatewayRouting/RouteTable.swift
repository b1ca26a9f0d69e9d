/// The routing table: routes tried in order, first match wins (as in the config file).
public struct RouteTable: Sendable, Hashable {
    public let routes: [Route]

    public init(_ routes: [Route]) {
        self.routes = routes
    }

    /// The first route whose pattern matches `path` (no query string), with its parameters.
    public func match(path: Substring) -> RouteMatch? {
        guard let segments = RoutePattern.segments(of: path) else { return nil }
        for (index, route) in routes.enumerated() {
            if let parameters = route.pattern.match(segments: segments) {
                return RouteMatch(routeIndex: index, route: route, parameters: parameters)
            }
        }
        return nil
    }
}
