import GatewaySSE
import NIOCore
import Synchronization

/// The memory engine: named channels created on first use, each with its history in this process, and the
/// default `HubEngine`.
///
/// Thread-safe. A publish encodes each event once; every loop with subscribers gets one task per publish.
/// Its synchronous `publish` and `subscribe` are the engine's own answers; the `HubEngine` methods wrap
/// them in already-complete futures.
public final class MemoryEngine: HubEngine {
    /// When this hub started (milliseconds since 1970); every channel's epoch is at least this, so a
    /// restarted in-memory gateway never reuses an epoch.
    public let startEpoch: UInt64
    /// Limits for channels whose route names none.
    public let defaultLimits: HistoryLimits
    /// Most history bytes across all channels; past it, the publishing channel drops its oldest events.
    public let historyBudget: Int
    public let statistics: HubStatistics
    private struct Channels: ~Copyable {
        var byName: [String: MemoryChannel] = [:]
        /// The highest epoch of any channel dropped so far: new channels start above it, so a name made
        /// again never gets the epoch of an earlier life, whatever the wall clock does.
        var retiredEpochCeiling: UInt64 = 0
    }

    private let channels = Mutex(Channels())
    private let idempotency: IdempotencyCache

    public init(startEpoch: UInt64, defaultLimits: HistoryLimits, historyBudget: Int = 512 << 20, idempotencyTTL: Duration = .seconds(600),
                statistics: HubStatistics = HubStatistics()) {
        self.statistics = statistics
        self.startEpoch = startEpoch
        self.defaultLimits = defaultLimits
        self.historyBudget = historyBudget
        self.idempotency = IdempotencyCache(ttl: idempotencyTTL)
    }

    /// Publishes to every stream of the channel; the result counts them. `limits` apply if this publish
    /// creates the channel. With an `idempotencyKey` already seen on this channel (within the TTL), nothing
    /// is published and the first publish's result is returned.
    public func publish(
        _ events: [ServerSentEvent],
        to channelName: String,
        limits: HistoryLimits? = nil,
        idempotencyKey: String? = nil,
        now: NIODeadline = .now()
    ) -> PublishResult {
        publish(events, to: channelName, targets: nil, limits: limits, idempotencyKey: idempotencyKey, now: now)
    }

    /// Publishes to every stream of the channel, or only to streams of the `targets` sessions. The result's
    /// `subscribers` is the channel's streams either way: the targets' streams are counted on their loops
    /// (`reach(_:sessions:on:)`), which the `HubEngine` method adds.
    func publish(
        _ events: [ServerSentEvent],
        to channelName: String,
        targets: Set<String>?,
        limits: HistoryLimits? = nil,
        idempotencyKey: String? = nil,
        now: NIODeadline = .now()
    ) -> PublishResult {
        let publishOnce = {
            while true {
                let channel = self.channel(named: channelName, limits: limits)
                if let (cursors, subscribers) = channel.publish(events, targets: targets, budget: self.historyBudget, now: now) {
                    return PublishResult(cursors: cursors, subscribers: subscribers)
                }
            }
        }
        guard let idempotencyKey else { return publishOnce() }
        return idempotency.once(key: channelName + "\u{0}" + idempotencyKey, now: now, publishOnce)
    }

    /// How many streams of the `sessions` the channel has on this node, counted on the loops that hold them
    /// (after the events already handed to those loops); answered on `loop`.
    public func reach(_ channelName: String, sessions: Set<String>, on loop: any EventLoop) -> EventLoopFuture<Int> {
        guard let channel = channels.withLock({ $0.byName[channelName] }) else { return loop.makeSucceededFuture(0) }
        return channel.feed.reach(sessions: sessions, on: loop)
    }

    /// Subscribes from `start`. Must be called on `loop`, the subscriber's event loop.
    public func subscribe(
        _ subscriber: any HubSubscriber,
        to channelName: String,
        on loop: any EventLoop,
        from start: StartPosition = .live,
        limits: HistoryLimits? = nil,
        now: NIODeadline = .now()
    ) -> SubscribeResult {
        while true {
            if let result = channel(named: channelName, limits: limits).subscribe(subscriber, on: loop, from: start, now: now) {
                return result
            }
        }
    }

    /// Ends every stream subscribed to a channel (`HubSubscriber.channelClosed`), after the events already
    /// published to it. History is kept; the channel stays usable.
    public func closeChannel(_ channelName: String) {
        channels.withLock { $0.byName[channelName] }?.close()
    }

    /// Streams currently subscribed to a channel (0 for an unknown channel).
    public func subscriberCount(channel channelName: String) -> Int {
        channels.withLock { $0.byName[channelName] }?.feed.subscriberCount ?? 0
    }

    /// Events held in a channel's history (0 for an unknown channel).
    public func historyCount(channel channelName: String) -> Int {
        channels.withLock { $0.byName[channelName] }?.historyCount ?? 0
    }

    /// Number of channels held (with subscribers or history).
    public var channelCount: Int { channels.withLock { $0.byName.count } }

    /// Every channel held, sorted by name. Each channel is read under its own lock, one after another.
    public func channelSummaries() -> [ChannelSummary] {
        channels.withLock { Array($0.byName.values) }.map(\.summary).sorted { $0.name < $1.name }
    }

    /// One channel; nil when the engine holds no channel of that name.
    public func channelSummary(_ name: String) -> ChannelSummary? {
        channels.withLock { $0.byName[name] }?.summary
    }

    /// Drops expired history, forgets channels left with neither history nor subscribers, and expires
    /// idempotency keys. Call periodically.
    public func sweep(now: NIODeadline = .now()) {
        let snapshot = channels.withLock { Array($0.byName.values) }
        let retired = snapshot.filter { $0.sweep(now: now) }
        if !retired.isEmpty {
            channels.withLock { channels in
                for channel in retired where channels.byName[channel.name] === channel {
                    channels.byName[channel.name] = nil
                    channels.retiredEpochCeiling = max(channels.retiredEpochCeiling, channel.epoch)
                }
            }
        }
        idempotency.sweep(now: now)
    }

    private func channel(named name: String, limits: HistoryLimits?) -> MemoryChannel {
        channels.withLock { channels in
            if let channel = channels.byName[name] { return channel }
            // The wall clock moves on across restarts (a restarted in-memory hub gets new epochs); the
            // ceiling covers a name dropped and made again within the same millisecond or a clock step back.
            let epoch = max(WallClock.milliseconds(), startEpoch, channels.retiredEpochCeiling + 1)
            let channel = MemoryChannel(name: name, epoch: epoch, limits: limits ?? defaultLimits, statistics: statistics)
            channels.byName[name] = channel
            return channel
        }
    }

    // MARK: HubEngine

    /// A publish to sessions answers once their streams are counted on their loops; a replayed one (same
    /// idempotency key) counts them again, as the Redis engine does.
    public func publish(_ events: [ServerSentEvent], to channel: String, options: PublishOptions, on loop: any EventLoop) -> EventLoopFuture<PublishResult> {
        let result = publish(events, to: channel, targets: options.targets, limits: options.limits, idempotencyKey: options.idempotencyKey)
        guard let targets = options.targets else { return loop.makeSucceededFuture(result) }
        return reach(channel, sessions: targets, on: loop).map { reached in
            PublishResult(cursors: result.cursors, subscribers: reached, replayed: result.replayed)
        }
    }

    public func subscribe(_ subscriber: any HubSubscriber, to channel: String, on loop: any EventLoop,
                          from start: StartPosition, limits: HistoryLimits?) -> EventLoopFuture<SubscribeResult> {
        loop.makeSucceededFuture(subscribe(subscriber, to: channel, on: loop, from: start, limits: limits))
    }

    public func channelSummaries(on loop: any EventLoop) -> EventLoopFuture<[ChannelSummary]> {
        loop.makeSucceededFuture(channelSummaries())
    }

    public func channelSummary(_ name: String, on loop: any EventLoop) -> EventLoopFuture<ChannelSummary?> {
        loop.makeSucceededFuture(channelSummary(name))
    }
}
