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

    init(engine: any HubEngine, streams: StreamSettings, options: RouteConfiguration, historyLimits: HistoryLimits) {
        route = StreamRoute(
            engine: engine, heartbeat: options.heartbeat ?? streams.heartbeat, outboundBudget: streams.outboundBudget,
            replayLast: options.replayLast, streamOpenEvent: options.streamOpenEvent, historyLimits: historyLimits,
            definition: options.route)
        retry = options.retry ?? streams.retry
        retryJitter = streams.retryJitter
        maxAge = options.maxAge ?? streams.maxAge
        maxAgeJitter = streams.maxAgeJitter
    }

    /// The plan for a stream of `channels`. `resumable` is false for a per-client upstream, which passes
    /// the client's id on to its origin instead.
    func plan(_ request: Request, channels: [String], resumable: Bool = true) -> Result<EventStreamPlan, HTTPError> {
        let session: String
        if let proposed = request.query.first(where: { $0.name == "session" }) {
            guard let value = proposed.value, SessionID.isValid(value) else { return .failure(.invalidSession) }
            session = value
        } else {
            session = SessionID.make()
        }
        // EventSource sends the header on reconnect; polyfills that cannot set headers use the query.
        let lastEventID = request.header("last-event-id") ?? request.queryValue("lastEventId") ?? request.queryValue("last_event_id")
        let retryMilliseconds = Self.milliseconds(retry)
        let jitteredMaxAge = maxAge.map { age in
            TimeAmount.nanoseconds(Int64(Double(TimeAmount(age).nanoseconds) * (1 - Double.random(in: 0...maxAgeJitter))))
        }
        return .success(EventStreamPlan(
            channels: channels,
            session: session,
            lastEventID: resumable ? lastEventID.flatMap { $0.isEmpty ? nil : $0 } : nil,
            retryMilliseconds: retryMilliseconds + Int(Double(retryMilliseconds) * Double.random(in: 0...retryJitter)),
            maxAge: jitteredMaxAge,
            route: route
        ))
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
