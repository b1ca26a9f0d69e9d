import GatewayHTTP
import GatewayHub
import GatewayRouting
import NIOCore

/// How to run one event stream: which channels, from where, and its timing. Made by a responder, opened
/// by the connection once it has a slot for the stream.
public struct EventStreamPlan: StreamOpener {
    // This struct sits inline in every `ChannelStream`, so what only the stream's start reads, and what only
    // some routes' streams have, is kept out of line (`StreamDetails`), one reference for all of it.
    /// One channel, or several (`?channel=a&channel=b`), in the order given.
    public var channels: [String]
    /// The stream's session: proposed by the client (`?session=`) or made up; unicast publishes target it.
    public var session: String
    /// The start, per-client upstream and origin; nil once a stream without the last two has started.
    private var details: StreamDetails?
    /// Streams authorized by a token: when to warn and when to end (`StreamAuthExpiry.packed`); 0 for
    /// anonymous streams. A word rather than an optional, which would take a ninth byte (16 with padding).
    var packedAuthExpiry: UInt64 = 0
    /// What every stream of the route shares.
    let route: StreamRoute
    /// The `retry:` hint in milliseconds, jitter already applied. Four bytes, last: the plan sits inline in
    /// every `ChannelStream`, and this way the stream's next one-byte field fits in the plan's tail, which
    /// keeps the stream object at 160 bytes (a 160-byte block instead of 176).
    var retry: Int32

    init(channels: [String], session: String, start: StreamStart, route: StreamRoute, retry: Int32) {
        self.channels = channels
        self.session = session
        self.details = StreamDetails(start: start, upstream: nil, origin: nil)
        self.route = route
        self.retry = retry
    }

    /// The last event id, age limit and connection facts; nil once the stream has started.
    var start: StreamStart? { details?.start }

    /// Per-client upstream routes: the stream is fed by its own upstream source, not by `channels`.
    var upstream: UpstreamClientPlan? {
        get { details?.upstream }
        set { details = StreamDetails(start: start, upstream: newValue, origin: origin) }
    }

    /// Where the stream came from, for its webhook notifications; nil on routes without a webhook.
    var origin: StreamOrigin? {
        get { details?.origin }
        set { details = StreamDetails(start: start, upstream: upstream, origin: newValue) }
    }

    /// The stream has started: what only the start reads goes (with the client's `Last-Event-ID`).
    mutating func started() {
        details = details?.afterStart
    }

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

/// What a stream keeps out of line, so that a started stream of a plain route holds one nil reference for
/// all of it (an idle stream's memory is what a million streams cost): what only its start reads, dropped
/// once it has started, and what only some routes' streams have (a per-client upstream, the origin a
/// webhook names), kept while they run. Immutable: a plan sets its fields before the stream opens.
final class StreamDetails: Sendable {
    let start: StreamStart?
    let upstream: UpstreamClientPlan?
    let origin: StreamOrigin?

    init(start: StreamStart?, upstream: UpstreamClientPlan?, origin: StreamOrigin?) {
        self.start = start
        self.upstream = upstream
        self.origin = origin
    }

    /// What a started stream keeps: nil when it has no upstream and no origin.
    var afterStart: StreamDetails? {
        upstream == nil && origin == nil ? nil : StreamDetails(start: nil, upstream: upstream, origin: origin)
    }
}

/// What only a stream's start reads (its position, the age-limit entry, the `stream-open` event). Inline in
/// `StreamDetails` (one allocation per stream opened, not two), and dropped with it once the stream has
/// started, so the client's `Last-Event-ID` string (a heap allocation past 15 bytes) goes too.
struct StreamStart: Sendable {
    /// The number of the connection the stream runs on (`ConnectionInfo.id`), named in `stream-open`.
    let connection: UInt64
    /// What the client sent as `Last-Event-ID` (header, else `lastEventId` / `last_event_id` query).
    let lastEventID: String?
    /// End the stream cleanly after this long (jitter already applied); nil: no limit.
    let maxAge: TimeAmount?
    /// The protocol of that connection, also named in `stream-open`: a page cannot ask its browser which
    /// protocol a still-open EventSource uses (resource timing reports a fetch only once it ends).
    let applicationProtocol: ApplicationProtocol

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
