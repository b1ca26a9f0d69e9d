/// One entry of the routing table: a path pattern and what to do on a match.
public struct Route: Sendable, Hashable {
    /// The path pattern, e.g. `/events/{channel}`.
    public var pattern: RoutePattern
    /// The action taken for requests whose path matches `pattern`.
    public var action: RouteAction

    public init(pattern: RoutePattern, action: RouteAction) {
        self.pattern = pattern
        self.action = action
    }
}

/// The result of matching a request path against the table.
public struct RouteMatch: Sendable, Hashable {
    /// Index of the matched route in the table, so callers can find per-route options kept beside it.
    public var routeIndex: Int
    public var route: Route
    /// Path parameters by name, percent-decoded.
    public var parameters: [String: String]

    public init(routeIndex: Int, route: Route, parameters: [String: String]) {
        self.routeIndex = routeIndex
        self.route = route
        self.parameters = parameters
    }
}
