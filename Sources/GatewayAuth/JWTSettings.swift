/// The `auth.jwt` section: which keys sign tokens and what the claims must say.
public struct JWTSettings: Sendable, Hashable {
    /// The clock skew tolerated on `exp` and `nbf`: hosts on NTP drift by milliseconds, so 30 s covers a badly
    /// set issuer clock without noticeably extending a token's life.
    public static let defaultLeeway: Duration = .seconds(30)
    /// How long before `exp` a stream is warned by a `stream-auth-expiring` event: enough for a page to fetch a
    /// new token over a slow network.
    public static let defaultExpiryWarning: Duration = .seconds(60)

    /// The keys a token may be signed with; a token must verify with one of them.
    public var keys: [JWTKeyConfiguration]
    /// The `iss` every token must carry; nil accepts any issuer.
    public var issuer: String?
    /// This gateway's audience, which `aud` must name; nil refuses every token that has an `aud` (RFC 7519 §4.1.3).
    public var audience: String?
    /// The clock skew tolerated on `exp` and `nbf` (default ``defaultLeeway``).
    public var leeway: Duration
    /// The cookie a browser sends its token in; nil takes no token from cookies.
    public var cookieName: String?
    /// How long before `exp` the stream gets `stream-auth-expiring` (default ``defaultExpiryWarning``).
    public var expiryWarning: Duration

    public init(
        keys: [JWTKeyConfiguration],
        issuer: String? = nil,
        audience: String? = nil,
        leeway: Duration = JWTSettings.defaultLeeway,
        cookieName: String? = nil,
        expiryWarning: Duration = JWTSettings.defaultExpiryWarning
    ) {
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.cookieName = cookieName
        self.expiryWarning = expiryWarning
    }
}
