import GatewayHTTP
import Metrics

/// One route's stream metrics: `ssegate_streams{route}` (open now), `ssegate_streams_opened_total{route}`
/// and `ssegate_streams_ended_total{route,reason}` (`reason="slow_consumer"` counts the slow consumers
/// ended). Made once per route when the routes are compiled, so a stream's open and end each cost one
/// counter update and no lookup; nothing here runs per event.
final class StreamMetrics: Sendable {
    private let open: Meter
    private let opened: Counter
    private let route: String
    private let ended: [String: Counter]

    /// The reasons known when this was written; a reason added later gets its counter on first use.
    private static let knownReasons: [StreamEndReason] = [.clientClosed, .slowConsumer, .draining, .maxAge, .serverClosed]

    init(route: String) {
        self.route = route
        open = Meter(label: "ssegate_streams", dimensions: [("route", route)])
        opened = Counter(label: "ssegate_streams_opened_total", dimensions: [("route", route)])
        ended = Dictionary(uniqueKeysWithValues: Self.knownReasons.map { reason in
            (reason.rawValue, Counter(label: "ssegate_streams_ended_total", dimensions: [("route", route), ("reason", reason.rawValue)]))
        })
    }

    func started() {
        opened.increment()
        open.increment()
    }

    func ended(_ reason: StreamEndReason) {
        open.decrement()
        let counter = ended[reason.rawValue]
            ?? Counter(label: "ssegate_streams_ended_total", dimensions: [("route", route), ("reason", reason.rawValue)])
        counter.increment()
    }

    /// A `stream-gap` written (`ssegate_stream_gaps_total{reason}`): once per gap, at most once per channel
    /// of a stream when it opens.
    static func gapSent(reason: String) {
        Counter(label: "ssegate_stream_gaps_total", dimensions: [("reason", reason)]).increment()
    }
}
