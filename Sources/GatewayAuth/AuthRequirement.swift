/// What a route asks of a request's token (`auth: none | jwt | optional` in a route's config).
public enum AuthRequirement: String, Sendable, Hashable, CaseIterable {
    /// No token is looked at: anyone may use the route (the default, and today's behaviour).
    case none
    /// Every request needs a valid token whose claims allow each channel it names.
    case jwt
    /// A valid token works as with `jwt`; without one a request may read only the route's public channels. A token
    /// that is present but invalid is still refused: a client whose token broke must hear so, not silently lose
    /// its private channels.
    case optional

    /// Whether requests are checked against tokens at all.
    public var checksTokens: Bool { self != .none }
}
