import Metrics

/// `ssegate_auth_refusals_total{route,reason}`: every request access control turned away, by why. Counted
/// where the refusal is logged, so the log line and the counter always agree. A refusal is rare next to
/// deliveries and costs a token verification already, so the counter is looked up per refusal rather
/// than kept per route.
enum AuthRefusalMetrics {
    /// `reason`: an `AuthFailure` code (`missing_token`, `expired`, `bad_signature`…) or one of the
    /// channel and session checks' reasons below.
    static func count(route: String, reason: String) {
        Counter(label: "ssegate_auth_refusals_total", dimensions: [("route", route), ("reason", reason)]).increment()
    }

    static let channelNotPublic = "channel_not_public"
    static let subscribeNotGranted = "subscribe_not_granted"
    static let publishNotGranted = "publish_not_granted"
    static let sessionNotGranted = "session_not_granted"
    static let publishTokenRefused = "publish_token_refused"
}
