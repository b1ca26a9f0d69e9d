import GatewayAuth
import GatewayHTTP
import Logging

/// A route's per-channel rule, checked by its responder once the channel names are known: a token must allow
/// every channel of a stream (and the channel of a publish); a request without one, on an `auth: optional`
/// route, may read only the route's public channels.
///
/// Checked at subscribe, never per event: a stream's channels do not change, and its token's end is handled
/// by the stream itself (`stream-auth-expiring`, then a clean end at `exp`).
struct ChannelAccess: Sendable {
    let requirement: AuthRequirement
    /// `auth: optional` routes: what anonymous requests may read.
    let publicChannels: [ChannelPattern]
    /// The route's path pattern, for logs.
    let route: String
    let logger: Logger

    /// Whether sessions follow tokens on this route: the server issues ids, and a proposed one counts only
    /// when the token grants it.
    var bindsSessions: Bool { requirement.checksTokens }

    /// Nil when `identity` (or, without one, anyone) may read every channel of `channels`.
    func refusal(subscribing channels: [String], identity: VerifiedToken?) -> HTTPError? {
        guard requirement.checksTokens else { return nil }
        guard let identity else {
            // Only an optional route lets a request without a token this far.
            guard let closed = channels.first(where: { channel in !publicChannels.contains { $0.allows(channel, subject: "") } }) else {
                return nil
            }
            logger.info("anonymous subscribe refused", metadata: ["route": "\(route)", "channel": "\(closed)"])
            AuthRefusalMetrics.count(route: route, reason: AuthRefusalMetrics.channelNotPublic)
            return .unauthenticated(.missingToken)
        }
        guard let denied = channels.first(where: { !identity.maySubscribe(to: $0) }) else { return nil }
        logger.info("subscribe refused", metadata: ["route": "\(route)", "subject": "\(identity.subject)", "channel": "\(denied)"])
        AuthRefusalMetrics.count(route: route, reason: AuthRefusalMetrics.subscribeNotGranted)
        return .insufficientScope("subscribe to", channel: denied)
    }

    /// Nil when the publisher may publish on `channel`: a publisher without a token passed `PublishCredentials`
    /// as trusted or with the static token, which reach every channel.
    func refusal(publishing channel: String, identity: VerifiedToken?) -> HTTPError? {
        guard let identity, !identity.mayPublish(to: channel) else { return nil }
        logger.info("publish refused", metadata: ["route": "\(route)", "subject": "\(identity.subject)", "channel": "\(channel)"])
        AuthRefusalMetrics.count(route: route, reason: AuthRefusalMetrics.publishNotGranted)
        return .insufficientScope("publish on", channel: channel)
    }

    /// The stream's session: with tokens, `?session=` only when the token's `ssegate.session` names it, else the
    /// token's session, else a fresh id; without, today's rule (the client's proposal, else a fresh id).
    func session(proposed: String?, identity: VerifiedToken?) -> Result<String, HTTPError> {
        if let proposed {
            guard bindsSessions else { return .success(proposed) }
            guard let identity, identity.session == proposed else {
                logger.info("session refused", metadata: ["route": "\(route)", "subject": "\(identity?.subject ?? "anonymous")"])
                AuthRefusalMetrics.count(route: route, reason: AuthRefusalMetrics.sessionNotGranted)
                return .failure(.sessionNotGranted)
            }
            return .success(proposed)
        }
        if bindsSessions, let granted = identity?.session, SessionID.isValid(granted) { return .success(granted) }
        return .success(SessionID.make())
    }
}
