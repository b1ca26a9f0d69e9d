import GatewaySSE
import NIOCore

/// Where channels' events get their ids and their history: the seam between this node's fan-out and the
/// store that numbers events, which is in memory (`MemoryEngine`) or shared by several nodes.
///
/// An engine does four things for each channel:
/// - **assign ids**: every published event gets an `EventCursor` (epoch and sequence), the same on every node;
/// - **append to history**, bounded by the channel's `HistoryLimits`;
/// - **replay after a position** for a subscriber, or say in a `HistoryGap` why it cannot;
/// - **hand new events to this node's fan-out**: the channel's `ChannelFeed`, in sequence order.
///
/// Fan-out (`ChannelFeed`, `LoopFanout`) is shared by every engine and stays on the node; the protocol
/// layers only see `HubSubscriber`. Calls answer with futures so an engine behind a network can answer
/// later; the memory engine answers at once, so its futures are already complete.
public protocol HubEngine: AnyObject, Sendable {
    /// Counters for metrics and the history budget.
    var statistics: HubStatistics { get }

    /// Assigns ids to `events`, appends them to the channel's history and delivers them to this node's
    /// subscribers (and, for a shared engine, every node's). Completes on `loop`.
    func publish(_ events: [ServerSentEvent], to channel: String, options: PublishOptions, on loop: any EventLoop) -> EventLoopFuture<PublishResult>

    /// Joins `channel` from `start`: the replay the subscriber missed (or a gap), then live events with no
    /// overlap and no hole between the two. Must be called on `loop`, the subscriber's loop; completes there.
    func subscribe(_ subscriber: any HubSubscriber, to channel: String, on loop: any EventLoop,
                   from start: StartPosition, limits: HistoryLimits?) -> EventLoopFuture<SubscribeResult>

    /// Ends this node's streams of a channel (`HubSubscriber.channelClosed`) after the events already
    /// delivered. History is kept.
    func closeChannel(_ channel: String)

    /// Streams of this node subscribed to a channel.
    func subscriberCount(channel: String) -> Int

    /// Channels this node holds (with subscribers or history), for metrics.
    var channelCount: Int { get }

    /// Every channel the engine holds, sorted by name (the admin API's channel list). Completes on `loop`.
    func channelSummaries(on loop: any EventLoop) -> EventLoopFuture<[ChannelSummary]>

    /// One channel, or nil when the engine holds none of that name. Completes on `loop`.
    func channelSummary(_ name: String, on loop: any EventLoop) -> EventLoopFuture<ChannelSummary?>

    /// Drops expired history and forgets idle channels. Called periodically.
    func sweep(now: NIODeadline)
}

/// What a publish asks for besides its events.
public struct PublishOptions: Sendable {
    /// Only streams of these sessions get the events; nil for every stream of the channel.
    public var targets: Set<String>?
    /// History bounds if this publish creates the channel; nil for the engine's defaults.
    public var limits: HistoryLimits?
    /// A retried publish with the same key (per channel, within the engine's TTL) publishes nothing and
    /// answers with the first publish's result.
    public var idempotencyKey: String?

    public init(targets: Set<String>? = nil, limits: HistoryLimits? = nil, idempotencyKey: String? = nil) {
        self.targets = targets
        self.limits = limits
        self.idempotencyKey = idempotencyKey
    }
}

/// What a publish did: the cursor of each event, in order, and how many streams it reached (all of the
/// channel's, or those of the targeted sessions).
public struct PublishResult: Sendable, Hashable {
    public var cursors: [EventCursor]
    public var subscribers: Int
    /// True when an earlier publish with the same idempotency key answered (nothing published now).
    public var replayed = false

    public init(cursors: [EventCursor], subscribers: Int, replayed: Bool = false) {
        self.cursors = cursors
        self.subscribers = subscribers
        self.replayed = replayed
    }
}

/// An engine could not do what was asked (its store is unreachable): publishes answer 503 with it.
public struct HubEngineUnavailable: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
