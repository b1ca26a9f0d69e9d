import GatewayHub
import GatewayRedis
import GatewaySSE
import NIOCore

/// What the admin API shows of a channel, read from Redis: every node sees the same history, and the
/// subscribers are this node's.
extension RedisEngine {
    public func channelSummaries(on loop: any EventLoop) -> EventLoopFuture<[ChannelSummary]> {
        let names = channels.withLock { Array($0.keys) }.sorted()
        let summaries = names.map { channelSummary($0, on: loop) }
        return EventLoopFuture.whenAllSucceed(summaries, on: loop).map { $0.compactMap { $0 } }
    }

    /// One channel: history length and first id from the stream, the last assigned id from the
    /// channel's meta hash, and its size as Redis accounts it (`MEMORY USAGE`, which includes Redis's own
    /// overhead: an upper bound of the event bytes). Nil when Redis holds nothing of it.
    public func channelSummary(_ name: String, on loop: any EventLoop) -> EventLoopFuture<ChannelSummary?> {
        let keys = RedisChannelKeys(prefix: configuration.keyPrefix, channel: name)
        let subscribers = subscriberCount(channel: name)
        let meta = client.send(["HMGET", .string(keys.meta), "epoch", "seq"])
        let length = client.send(["XLEN", .string(keys.stream)])
        let size = client.send(["MEMORY", "USAGE", .string(keys.stream)])
        let first = client.xrange(keys.stream, count: 1)
        return meta.and(length).and(size).and(first).map { parts -> ChannelSummary? in
            let (((meta, length), size), first) = parts
            let fields = meta.elements ?? []
            guard fields.count == 2, let epoch = fields[0].integer.map(UInt64.init), let sequence = fields[1].integer.map(UInt64.init) else {
                return subscribers > 0
                    ? ChannelSummary(name: name, subscribers: subscribers, historyCount: 0, historyBytes: 0, firstID: nil, lastID: nil)
                    : nil
            }
            func cursor(_ entry: RedisStreamEntry?) -> EventCursor? {
                entry.map { EventCursor(epoch: epoch, sequence: RedisChannelKeys.sequence(of: $0.id)) }
            }
            return ChannelSummary(
                name: name, subscribers: subscribers, historyCount: Int(length.integer ?? 0), historyBytes: Int(size.integer ?? 0),
                firstID: cursor(first.first), lastID: sequence > 0 ? EventCursor(epoch: epoch, sequence: sequence) : nil)
        }
        .flatMapErrorThrowing { error in throw Self.unavailable(error) }
        .hop(to: loop)
    }
}
