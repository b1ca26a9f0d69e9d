import GatewayAuth
import GatewayConfig
import GatewayHTTP
import GatewayHub
import NIOCore

/// Turns a subscribe request into an `EventStreamPlan`: its session, where the client resumes from, and
/// its timing with jitter applied. One per route, compiled with the route's options over the `streams`
/// defaults.
struct StreamPlanner: Sendable {
    let route: StreamRoute
    let retry: Duration
    let retryJitter: Double
    let maxAge: Duration?
    let maxAgeJitter: Double
    /// The route's channel rule and session binding.
    let access: ChannelAccess
    /// How long before a token's `exp` its streams are warned (`auth.jwt.expiry_warning`).
    let expiryWarning: Duration

    init(engine: any HubEngine, streams: StreamSettings, options: RouteConfiguration, historyLimits: HistoryLimits,
         access: ChannelAccess, expiryWarning: Duration = JWTSettings.defaultExpiryWarning, operations: RouteOperations,
         upstreams: UpstreamRegistry? = nil) {
        route = StreamRoute(
            engine: engine, heartbeat: options.heartbeat ?? streams.heartbeat, stallTimeout: streams.stallTimeout, outboundBudget: streams.outboundBudget,
            replayLast: options.replayLast, streamOpenEvent: options.streamOpenEvent, historyLimits: historyLimits, operations: operations,
            definition: options.route, upstreams: upstreams)
        retry = options.retry ?? streams.retry
        retryJitter = streams.retryJitter
        maxAge = options.maxAge ?? streams.maxAge
        maxAgeJitter = streams.maxAgeJitter
        self.access = access
        self.expiryWarning = expiryWarning
    }

    /// The plan for a stream of `channels`, whose access the responder has checked. `resumable` is false for a
    /// per-client upstream, which passes the client's id on to its origin instead. `identity` binds the session
    /// and sets when the stream is warned and ended.
    func plan(_ request: Request, channels: [String], resumable: Bool = true, identity: VerifiedToken? = nil) -> Result<EventStreamPlan, HTTPError> {
        var proposedSession: String?
        if let proposed = request.query.first(where: { $0.name == "session" }) {
            guard let value = proposed.value, SessionID.isValid(value) else { return .failure(.invalidSession) }
            proposedSession = value
        }
        let session: String
        switch access.session(proposed: proposedSession, identity: identity) {
        case .success(let chosen): session = chosen
        case .failure(let refusal): return .failure(refusal)
        }
        // EventSource sends the header on reconnect; polyfills that cannot set headers use the query.
        let lastEventID = request.header("last-event-id") ?? request.queryValue("lastEventId") ?? request.queryValue("last_event_id")
        let jitteredMaxAge = maxAge.map { age in
            TimeAmount.nanoseconds(Int64(Double(TimeAmount(age).nanoseconds) * (1 - Double.random(in: 0...maxAgeJitter))))
        }
        var plan = EventStreamPlan(
            channels: channels,
            session: session,
            start: StreamStart(
                connection: request.connection.id,
                lastEventID: resumable ? lastEventID.flatMap { $0.isEmpty ? nil : $0 } : nil,
                maxAge: jitteredMaxAge,
                applicationProtocol: request.connection.applicationProtocol),
            route: route,
            retry: Int32(clamping: jitteredRetryMilliseconds())
        )
        plan.authExpiry = identity.map { StreamAuthExpiry(expiresAt: $0.expiresAt, warning: expiryWarning) }
        if route.operations.webhook != nil {
            plan.origin = StreamOrigin(remoteAddress: request.connection.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" })
        }
        return .success(plan)
    }

    /// The route's `retry:` hint with its jitter drawn, so clients told to come back do not all come at once.
    func jitteredRetryMilliseconds() -> Int {
        let retryMilliseconds = Self.milliseconds(retry)
        return retryMilliseconds + Int(Double(retryMilliseconds) * Double.random(in: 0...retryJitter))
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
