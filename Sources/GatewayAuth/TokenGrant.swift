/// What a minted token grants: the claims `ssegate token` writes.
public struct TokenGrant: Sendable, Hashable {
    /// `sub`: the identity the token stands for.
    public var subject: String
    /// How long the token lives: `exp` is `now + timeToLive`, rounded down to a whole second.
    public var timeToLive: Duration
    /// `iss`, when the verifying side requires one.
    public var issuer: String?
    /// `aud`, when the verifying side requires one.
    public var audience: String?
    /// Channel patterns the token may subscribe to (see ``ChannelPattern``).
    public var subscribe: [String]
    /// Channel patterns the token may publish on.
    public var publish: [String]
    /// The session id the token lets its holder resume.
    public var session: String?

    public init(
        subject: String,
        timeToLive: Duration,
        issuer: String? = nil,
        audience: String? = nil,
        subscribe: [String] = [],
        publish: [String] = [],
        session: String? = nil
    ) {
        self.subject = subject
        self.timeToLive = timeToLive
        self.issuer = issuer
        self.audience = audience
        self.subscribe = subscribe
        self.publish = publish
        self.session = session
    }
}
