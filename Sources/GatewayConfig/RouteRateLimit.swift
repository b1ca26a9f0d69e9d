/// A route's request budget (`rate_limit: {requests: 5, per: 10s}`): a token bucket holding `requests`
/// tokens, refilled at `requests` per `per`. One bucket per route, shared by every client, so it bounds
/// what the route costs the gateway in total (the demo's publish route is open to anyone who loads the page).
public struct RouteRateLimit: Sendable, Equatable {
    /// Requests allowed in a burst, and per `period` on average.
    public var requests: Int
    /// The time in which `requests` tokens come back.
    public var period: Duration

    public init(requests: Int, period: Duration) {
        self.requests = requests
        self.period = period
    }
}

extension RouteRateLimit {
    static let keys = ["requests", "per"]

    /// `rate_limit:` of a route; both keys are required.
    static func read(_ route: YAMLMapping, _ reader: inout YAMLNodeReader) -> RouteRateLimit? {
        guard let section = reader.section(route, "rate_limit", keys: keys) else { return nil }
        reader.require(section, "requests", "per")
        guard let requests = reader.int(section, "requests", in: 1...1_000_000), let period = reader.duration(section, "per") else {
            return nil
        }
        return RouteRateLimit(requests: requests, period: period)
    }
}
