import Foundation

/// What a verified token grants: who it is, until when, and which channels it may use.
///
/// Carries no raw claim JSON and not the token itself, so it can be kept for the life of a stream and logged.
public struct VerifiedToken: Sendable, Hashable {
    /// `sub`: the identity streams and sessions are bound to, and what `{sub}` in a pattern stands for.
    public let subject: String
    /// `exp`: when a stream authorized by this token must end (and `expiryWarning` before, be warned).
    public let expiresAt: Date
    /// `ssegate.subscribe`: channels the token may subscribe to.
    public let subscribe: [ChannelPattern]
    /// `ssegate.publish`: channels the token may publish on.
    public let publish: [ChannelPattern]
    /// `ssegate.session`: the session id the token lets its holder resume, if any.
    public let session: String?

    public init(subject: String, expiresAt: Date, subscribe: [ChannelPattern], publish: [ChannelPattern], session: String?) {
        self.subject = subject
        self.expiresAt = expiresAt
        self.subscribe = subscribe
        self.publish = publish
        self.session = session
    }

    /// Whether the token may subscribe to `channel`; a multi-channel stream needs this for every channel.
    public func maySubscribe(to channel: String) -> Bool {
        subscribe.contains { $0.allows(channel, subject: subject) }
    }

    /// Whether the token may publish on `channel`.
    public func mayPublish(to channel: String) -> Bool {
        publish.contains { $0.allows(channel, subject: subject) }
    }
}
