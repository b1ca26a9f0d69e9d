import GatewayHTTP
import GatewayHub
import GatewayRouting
import NIOCore

/// How to run one event stream: which channels, from where, and its timing. Made by a responder, opened
/// by the connection once it has a slot for the stream.
public struct EventStreamPlan: StreamOpener {
    // This struct sits inline in every `ChannelStream`, so what only the stream's start reads is kept out
    // of line (`StreamStart`) and dropped once the stream has started.
    /// One channel, or several (`?channel=a&channel=b`), in the order given.
    public var channels: [String]
    /// The stream's session: proposed by the client (`?session=`) or made up; unicast publishes target it.
    public var session: String
    /// The last event id, age limit and connection facts; nil once the stream has started.
    var start: StreamStart?
    /// Streams authorized by a token: when to warn and when to end (`StreamAuthExpiry.packed`); 0 for
    /// anonymous streams. A word rather than an optional, which would take a ninth byte (16 with padding).
    var packedAuthExpiry: UInt64 = 0
    /// What every stream of the route shares.
    let route: StreamRoute
    /// Per-client upstream routes: the stream is fed by its own upstream source, not by `channels`.
    var upstream: UpstreamClientPlan? = nil
    /// Where the stream came from, for its webhook notifications; nil on routes without a webhook (one
    /// reference per stream, allocated only where a webhook reads it).
    var origin: StreamOrigin? = nil
    /// The `retry:` hint in milliseconds, jitter already applied. Four bytes, last: the plan sits inline in
    /// every `ChannelStream`, and this way the stream's next one-byte field fits in the plan's tail, which
    /// keeps the stream object at 184 bytes (a 192-byte block instead of 208).
    var retry: Int32

    /// Streams authorized by a token: when to warn and when to end; nil for anonymous streams.
    var authExpiry: StreamAuthExpiry? {
        get { StreamAuthExpiry(packed: packedAuthExpiry) }
        set { packedAuthExpiry = newValue?.packed ?? 0 }
    }

    /// The `retry:` hint, jitter already applied.
    public var retryMilliseconds: Int {
        get { Int(retry) }
        set { retry = Int32(clamping: newValue) }
    }

    /// What the client sent as `Last-Event-ID` (header, else `lastEventId` / `last_event_id` query); nil
    /// once the stream has started.
    public var lastEventID: String? { start?.lastEventID }

    public var heartbeat: TimeAmount { route.heartbeat }
    public var outboundBudget: Int { route.outboundBudget }

    /// For logs: the channel, or the channels joined by commas.
    var channelLabel: String { channels.joined(separator: ",") }

    public func open(_ writer: StreamWriter, loop: LoopServices) -> any ResponseStream {
        ChannelStream(writer: writer, plan: self)
    }
}

/// What only a stream's start reads (its position, the age-limit entry, the `stream-open` event): out of
/// line, so that a started stream holds one nil reference instead of ~40 bytes, and the client's
/// `Last-Event-ID` string (a heap allocation once longer than 15 bytes) goes with it.
final class StreamStart: Sendable {
    /// The number of the connection the stream runs on (`ConnectionInfo.id`), named in `stream-open`.
    let connection: UInt64
    /// What the client sent as `Last-Event-ID` (header, else `lastEventId` / `last_event_id` query).
    let lastEventID: String?
    /// End the stream cleanly after this long (jitter already applied); nil: no limit.
    let maxAge: TimeAmount?
    /// The protocol of that connection, also named in `stream-open`: a page cannot ask its browser which
    /// protocol a still-open EventSource uses (resource timing reports a fetch only once it ends).
    let applicationProtocol: ApplicationProtocol

    init(connection: UInt64, lastEventID: String?, maxAge: TimeAmount?, applicationProtocol: ApplicationProtocol) {
        self.connection = connection
        self.lastEventID = lastEventID
        self.maxAge = maxAge
        self.applicationProtocol = applicationProtocol
    }
}

/// What every stream of one route shares, kept once per route instead of once per stream (a million idle
/// streams would otherwise each carry the same heartbeat, history bounds and engine).
final class StreamRoute: Sendable {
    let engine: any HubEngine
    let heartbeat: TimeAmount
    /// `streams.stall_timeout`: a stream none of whose queue could be sent this long is ended.
    let stall: StallWatch
    let outboundBudget: Int
    /// Replay the last N events on a first connect (no id).
    let replayLast: Int?
    let streamOpenEvent: Bool
    /// History bounds for channels this route's streams create.
    let historyLimits: HistoryLimits
    /// Metrics, session registry and webhook of the route.
    let operations: RouteOperations
    /// The route as configured (pattern and action): a reload keeps the streams of a route the new
    /// configuration still has, and ends the others (`RuntimeSnapshot.keepsStream`).
    let definition: Route
    /// Where a closed `upstream:` channel's final answer is looked up (`ChannelStream.channelClosed`).
    let upstreams: UpstreamRegistry?

    init(engine: any HubEngine, heartbeat: Duration, stallTimeout: Duration, outboundBudget: Int, replayLast: Int?, streamOpenEvent: Bool,
         historyLimits: HistoryLimits, operations: RouteOperations, definition: Route, upstreams: UpstreamRegistry? = nil) {
        self.upstreams = upstreams
        self.stall = StallWatch(timeout: stallTimeout)
        self.operations = operations
        self.definition = definition
        self.engine = engine
        self.heartbeat = TimeAmount(heartbeat)
        self.outboundBudget = outboundBudget
        self.replayLast = replayLast
        self.streamOpenEvent = streamOpenEvent
        self.historyLimits = historyLimits
    }
}

/// The client a stream serves, as its webhook notifications name it.
final class StreamOrigin: Sendable {
    /// `ip:port` of the client; nil when the socket has none.
    let remoteAddress: String?

    init(remoteAddress: String?) {
        self.remoteAddress = remoteAddress
    }
}
