// Maintainer note: ids, hand-over and faults in the Redis engine.
//
// Ids. A channel's cursor is `EventCursor(epoch, sequence)`, the same on every node because both numbers
// live in Redis: the meta hash `<prefix>:meta:<channel>` holds `epoch` (Redis's clock in ms when the
// channel's life began) and `seq` (its last sequence number), and the publish script (`RedisEngineScripts`)
// raises `seq` and appends the history entry in one atomic step. The entry id is `<seq>-<published ms>`, so
// a cursor maps onto a stream id range with no lookup (`RedisChannelKeys`), and each entry also carries its
// epoch (`p`). We did not use Redis's own `<ms>-<n>` ids as cursors: they leave holes, so "trimmed past the
// client" could not be told from "nothing published in between", and a stream made again after a loss
// would reuse them. Multi-channel stream positions (`StreamPosition`) work unchanged.
//
// Reading. One `RedisChannelReader` per node reads, in one blocked `XREAD`, every channel with local
// subscribers from the last id it delivered, and hands the entries to each channel's `ChannelFeed`. A publish
// on this node reaches this node's streams the same way (through Redis), so every node delivers the same
// order.
//
// Hand-over. A subscriber is registered in the feed under the node channel's lock at `delivered` (the
// last sequence this node handed over), then the replay is `XRANGE (client position, delivered]`: events
// above `delivered` come live, the rest from history — no gap, no duplicate (`RedisNodeChannel`). A client
// ahead of this node (it saw newer events on another node) is registered at its own position.
//
// Faults. Publishes fail with `HubEngineUnavailable` (a 503) while Redis is down; streams stay open on
// heartbeats; the reader retries with backoff and resumes each channel from its last delivered id. A
// channel whose life in Redis is gone or another (Redis restarted empty, the keys expired) is retired:
// its streams end, clients reconnect with their old cursor and get `stream-gap` `epoch_changed` and the new
// life's history. History trimmed past a client gives `stream-gap` `evicted` (`RedisReplayPlan`).

import GatewayHub
import GatewayRedis
import GatewaySSE
import NIOCore
import Synchronization

/// The Redis Streams engine: channels shared by every node that uses the same Redis and key prefix, with
/// ids, history and idempotency in Redis and fan-out on each node.
public final class RedisEngine: HubEngine {
    public let configuration: RedisEngineConfiguration
    public let statistics: HubStatistics
    let client: RedisClient
    /// This node's channels with subscribers (or subscribers joining), by name.
    let channels = Mutex<[String: RedisNodeChannel]>([:])
    private let report: @Sendable (RedisEngineEvent) -> Void
    private let readerBox = Mutex<RedisChannelReader?>(nil)

    /// `eventLoop` runs the client, the reader and the engine's bookkeeping; `statistics` is the owner's
    /// (metrics read it); `report` receives what the owner may want to log (it is called on that loop).
    public init(configuration: RedisEngineConfiguration, eventLoop: any EventLoop, statistics: HubStatistics = HubStatistics(),
                report: @escaping @Sendable (RedisEngineEvent) -> Void = { _ in }) {
        self.configuration = configuration
        self.statistics = statistics
        self.client = RedisClient(configuration: configuration.client, eventLoop: eventLoop)
        self.report = report
    }

    /// Connects the pool. Reading starts with the first subscriber.
    public func start() {
        client.start()
    }

    /// Stops reading and closes every connection.
    public func shutdown() -> EventLoopFuture<Void> {
        let reader = readerBox.withLock { $0 }
        let stopped = reader?.stop() ?? client.eventLoop.makeSucceededVoidFuture()
        return stopped.flatMap { self.client.shutdown() }
    }

    var reader: RedisChannelReader {
        readerBox.withLock { box in
            if let reader = box { return reader }
            let reader = RedisChannelReader(
                client: client, configuration: configuration,
                channels: { [weak self] in self?.channels.withLock { Array($0.values) } ?? [] },
                retire: { [weak self] channel, reason in self?.retire(channel, because: reason) },
                report: report)
            box = reader
            return reader
        }
    }

    // MARK: HubEngine

    public func publish(_ events: [ServerSentEvent], to channel: String, options: PublishOptions, on loop: any EventLoop) -> EventLoopFuture<PublishResult> {
        let keys = RedisChannelKeys(prefix: configuration.keyPrefix, channel: channel)
        let limits = options.limits ?? configuration.defaultLimits
        var scriptKeys = [keys.meta, keys.stream]
        if let idempotencyKey = options.idempotencyKey { scriptKeys.append(keys.idempotency(idempotencyKey)) }
        let arguments: [RedisArgument] = [
            RedisArgument(limits.count), RedisArgument(limits.bytes), RedisArgument(Self.milliseconds(limits.ttl)),
            RedisArgument(Self.milliseconds(Self.metaLifetime(limits))), RedisArgument(Self.milliseconds(configuration.idempotencyTTL)), .string(RedisStoredEvent.targetsArgument(options.targets)),
        ] + events.map { RedisArgument.bytes(EncodedEvent.storedBody(of: $0)) }
        return client.evalScript(RedisEngineScripts.publish, keys: scriptKeys, arguments: arguments)
            .flatMapThrowing { reply in try RedisPublishAnswer(reply) }
            .flatMapErrorThrowing { error in throw Self.unavailable(error) }
            .hop(to: loop)
            .flatMap { answer in
                if !answer.replayed { self.statistics.countPublished(answer.count) }
                let cursors = (0..<UInt64(answer.count)).map { EventCursor(epoch: answer.epoch, sequence: answer.first + $0) }
                // This node's streams the publish is for; they get it once the channel's reader reads it back.
                let feed = self.channels.withLock { $0[channel] }?.feed
                let reached = options.targets.map { targets in feed?.reach(sessions: targets, on: loop) ?? loop.makeSucceededFuture(0) }
                    ?? loop.makeSucceededFuture(feed?.subscriberCount ?? 0)
                return reached.map { PublishResult(cursors: cursors, subscribers: $0, replayed: answer.replayed) }
            }
    }

    public func closeChannel(_ channel: String) {
        channels.withLock { $0[channel] }?.close()
    }

    /// Channels this node reads (those with subscribers here, until the sweep drops idle ones).
    public var channelCount: Int { channels.withLock { $0.count } }

    public func subscriberCount(channel: String) -> Int {
        channels.withLock { $0[channel] }?.feed.subscriberCount ?? 0
    }

    /// Drops channels nobody on this node subscribes to any more (the reader stops reading them) and keeps
    /// the lives of the others alive in Redis (`PEXPIRE` on their meta hash), so an idle but subscribed
    /// channel keeps its epoch.
    public func sweep(now: NIODeadline) {
        let snapshot = channels.withLock { Array($0.values) }
        var dropped = false
        for channel in snapshot {
            if channel.retireIfIdle() {
                channels.withLock { if $0[channel.keys.channel] === channel { $0[channel.keys.channel] = nil } }
                dropped = true
            } else if channel.limits.ttl > .zero {
                _ = client.pexpire(channel.keys.meta, after: Self.metaLifetime(channel.limits))
            }
        }
        if dropped { reader.channelsChanged() }
    }

    // MARK: Channels on this node

    /// Retires a channel whose streams cannot go on (its life in Redis changed, or Redis trimmed events
    /// this node had not read): its streams end after what was delivered, the clients come back with their
    /// cursor and learn in-band (`epoch_changed`, `evicted`), and the next subscribe makes a fresh one.
    func retire(_ channel: RedisNodeChannel, because reason: RedisNodeChannel.Retirement) {
        channel.retireAndClose()
        channels.withLock { if $0[channel.keys.channel] === channel { $0[channel.keys.channel] = nil } }
        switch reason {
        case .epochChanged(let epoch):
            report(.epochChanged(channel: channel.keys.channel, from: channel.epoch, to: epoch))
        case .fellBehind(let missed):
            report(.fellBehind(channel: channel.keys.channel, missed: missed))
        }
        reader.channelsChanged()
    }

    /// The node's channel of this name with a join counted (`beginJoin`): the one being read, or a new one
    /// at the position Redis has numbered it to, which the reader then reads from. Completes on the
    /// client's loop.
    func joinChannel(named name: String, limits: HistoryLimits) -> EventLoopFuture<RedisNodeChannel> {
        if let existing = channels.withLock({ $0[name] }), existing.beginJoin() {
            return client.eventLoop.makeSucceededFuture(existing)
        }
        let keys = RedisChannelKeys(prefix: configuration.keyPrefix, channel: name)
        return client.evalScript(RedisEngineScripts.join, keys: [keys.meta, keys.stream], arguments: [RedisArgument(limits.ttl > .zero ? Self.milliseconds(Self.metaLifetime(limits)) : 0)])
            .flatMapThrowing { reply -> RedisNodeChannel in
                guard let parts = reply.elements, parts.count == 2,
                      let epoch = parts[0].integer.flatMap({ UInt64(exactly: $0) }),
                      let sequence = parts[1].integer.flatMap({ UInt64(exactly: $0) })
                else { throw RedisReplyError(command: "join script", reply: reply) }
                return RedisNodeChannel(keys: keys, epoch: epoch, delivered: sequence, limits: limits, statistics: self.statistics)
            }
            .flatMap { fresh in
                let (chosen, added) = self.channels.withLock { channels -> (RedisNodeChannel, Bool) in
                    if let existing = channels[name], !existing.isRetired { return (existing, false) }
                    channels[name] = fresh
                    return (fresh, true)
                }
                if added { self.reader.channelsChanged() }
                // Retired between the two steps (a sweep or a new life): look it up once more.
                return chosen.beginJoin() ? self.client.eventLoop.makeSucceededFuture(chosen) : self.joinChannel(named: name, limits: limits)
            }
    }

    static func unavailable(_ error: any Error) -> HubEngineUnavailable {
        if let unavailable = error as? HubEngineUnavailable { return unavailable }
        return HubEngineUnavailable("redis: \(error)")
    }

    /// How much longer than its history a channel's meta hash (epoch and counter) outlives an idle spell:
    /// a client back within it learns exactly what it missed (`evicted`), later it meets a new life.
    static let metaGrace = Duration.seconds(3600)

    /// The meta hash's lifetime after the last publish or subscriber activity.
    static func metaLifetime(_ limits: HistoryLimits) -> Duration { limits.ttl + metaGrace }

    static func milliseconds(_ duration: Duration) -> Int {
        max(0, Int(duration / .milliseconds(1)))
    }
}
