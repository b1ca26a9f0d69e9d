import GatewayHub
import NIOCore

/// What the request handler decided; the protocol handler (HTTP/2 or HTTP/1.1) carries it out.
enum GatewayResponse {
    /// A whole response with a known body.
    case complete(status: Int, headers: [(name: String, value: String)], body: ByteBuffer)
    /// A `text/event-stream` that stays open and carries a channel's events.
    case eventStream(EventStreamPlan)

    /// A JSON body with the given status.
    static func json(_ status: Int, _ body: JSONValue, headers: [(name: String, value: String)] = []) -> GatewayResponse {
        var buffer = ByteBuffer()
        body.write(into: &buffer)
        buffer.writeStaticString("\n")
        return .complete(status: status, headers: [("content-type", "application/json")] + headers, body: buffer)
    }

    /// The JSON error every bad request gets: `{"error":{"status":…,"code":"…","message":"…"}}`.
    static func error(_ status: Int, _ code: String, _ message: String, headers: [(name: String, value: String)] = []) -> GatewayResponse {
        json(status, .object([
            ("error", .object([("status", .int(status)), ("code", .string(code)), ("message", .string(message))])),
        ]), headers: headers)
    }

    var status: Int {
        switch self {
        case .complete(let status, _, _): status
        case .eventStream: 200
        }
    }
}

/// How to run one event stream: which channels, from where, and its timing.
struct EventStreamPlan {
    /// One channel, or several (`?channel=a&channel=b`), in the order given.
    var channels: [String]
    /// The stream's session: proposed by the client (`?session=`) or made up; unicast publishes target it.
    var session: String
    /// What the client sent as `Last-Event-ID` (header, else `lastEventId` / `last_event_id` query).
    var lastEventID: String?
    /// Replay the last N events on a first connect (no id).
    var replayLast: Int?
    var heartbeat: TimeAmount
    /// The `retry:` hint, jitter already applied.
    var retryMilliseconds: Int
    var outboundBudget: Int
    /// End the stream cleanly after this long (jitter already applied); nil: no limit.
    var maxAge: TimeAmount?
    var streamOpenEvent: Bool
    /// History bounds for channels this stream creates.
    var historyLimits: HistoryLimits

    /// For logs: the channel, or the channels joined by commas.
    var channelLabel: String { channels.joined(separator: ",") }
    /// Per-client upstream routes: the stream is fed by its own upstream source, not by `channel`.
    var upstream: UpstreamClientPlan? = nil

    /// Response headers of every event stream. `x-accel-buffering: no` tells buffering proxies (nginx) in
    /// front to pass bytes at once; HTTP/2 forbids connection-specific headers, so none are here.
    static let headers: [(name: String, value: String)] = [
        ("content-type", "text/event-stream; charset=utf-8"),
        ("cache-control", "no-cache"),
        ("x-accel-buffering", "no"),
    ]
}
