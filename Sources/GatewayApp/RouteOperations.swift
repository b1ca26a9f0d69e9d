import GatewayHTTP

/// What one stream route does for operators when a stream opens and ends: its metrics, the session
/// registry (admin API) and its webhook. Shared by every stream of the route through `StreamRoute`, so a
/// stream carries none of it.
final class RouteOperations: Sendable {
    /// The route's pattern: the `route` label of metrics and the access log.
    let label: String
    let metrics: StreamMetrics
    /// Where the admin API finds a session's streams; nil when the configuration has no admin route, so
    /// streams then pay nothing for it (a registry entry is a dictionary slot per session).
    let sessions: SessionRegistry?
    /// Open and close notifications; nil when the route has no `webhook:`.
    let webhook: WebhookQueue?

    init(label: String, sessions: SessionRegistry?, webhook: WebhookQueue?) {
        self.label = label
        self.metrics = StreamMetrics(route: label)
        self.sessions = sessions
        self.webhook = webhook
    }

    /// On the stream's loop, before it writes anything. The webhook only enqueues: it never delays the stream.
    func streamStarted(_ stream: ChannelStream) {
        metrics.started()
        sessions?.add(stream)
        webhook?.enqueue(StreamNotification.opened(stream, route: label))
    }

    /// Once per stream, with the first reason it ended for.
    func streamEnded(_ stream: ChannelStream, reason: StreamEndReason) {
        metrics.ended(reason)
        sessions?.remove(stream)
        webhook?.enqueue(StreamNotification.closed(stream, route: label, reason: reason))
    }
}
