import GatewayHub
import GatewayRedis
import GatewaySSE
import NIOCore

extension RedisEngine {
    /// Joins the node's channel, registers the subscriber at the position the node has delivered
    /// through, then reads the replay `(client position, delivered]` from Redis. Completes on `loop`.
    public func subscribe(_ subscriber: any HubSubscriber, to channel: String, on loop: any EventLoop,
                          from start: StartPosition, limits: HistoryLimits?) -> EventLoopFuture<SubscribeResult> {
        let limits = limits ?? configuration.defaultLimits
        // For the replay's targeted events; read here, on the subscriber's loop.
        let session = subscriber.session
        // Subscribers belong to their loop (not Sendable): carried across the Redis round trips bound to it.
        let boundSubscriber = NIOLoopBound(subscriber, eventLoop: loop)
        return joinChannel(named: channel, limits: limits)
            .flatMap { node in
                self.lastSequence(of: node, for: start).map { (node, $0) }.flatMapErrorThrowing { error in
                    node.abandonJoin()
                    throw error
                }
            }
            .hop(to: loop)
            .flatMapErrorThrowing { error in throw Self.unavailable(error) }
            .flatMap { joined in
                let (node, lastSequence) = joined
                let subscriber = boundSubscriber.value
                let plan = RedisReplayPlan(start: start, epoch: node.epoch, lastSequence: lastSequence)
                guard let (subscription, delivered) = node.register(subscriber, on: loop, atLeast: plan.clientSequence ?? 0) else {
                    // Retired between the join and now (a sweep, a new life): join the current one.
                    return self.subscribe(subscriber, to: channel, on: loop, from: start, limits: limits)
                }
                return self.history(plan.read, of: node, through: delivered)
                    .hop(to: loop)
                    .map { events in
                        let outcome = plan.outcome(channel: channel, epoch: node.epoch, delivered: delivered, read: events)
                        if outcome.gap != nil { self.statistics.countGap() }
                        return SubscribeResult(subscription: subscription, replay: outcome.replay.filter { $0.isFor(session: session) },
                                               gap: outcome.gap, position: outcome.position)
                    }
                    .flatMapErrorThrowing { error in
                        subscription.cancel()
                        throw Self.unavailable(error)
                    }
            }
    }

    /// How far Redis has numbered the channel, asked only when the client claims more than this node has
    /// delivered (it saw newer events on another node, or it names a position that never existed).
    private func lastSequence(of node: RedisNodeChannel, for start: StartPosition) -> EventLoopFuture<UInt64> {
        let delivered = node.delivered
        guard case .after(let cursor) = start, cursor.epoch == node.epoch, cursor.sequence > delivered else {
            return client.eventLoop.makeSucceededFuture(delivered)
        }
        return client.send(["HGET", .string(node.keys.meta), "seq"]).map { reply in
            max(delivered, reply.integer.flatMap { UInt64(exactly: $0) } ?? 0)
        }
    }

    /// The history a plan reads, oldest first, up to and including `delivered`.
    private func history(_ read: RedisReplayPlan.Read, of node: RedisNodeChannel, through delivered: UInt64) -> EventLoopFuture<[EncodedEvent]> {
        let end = RedisChannelKeys.lastID(ofSequence: delivered).description
        let entries: EventLoopFuture<[RedisStreamEntry]>
        switch read {
        case .nothing:
            return client.eventLoop.makeSucceededFuture([])
        case .after(let sequence):
            guard sequence < delivered else { return client.eventLoop.makeSucceededFuture([]) }
            entries = client.xrange(node.keys.stream, from: RedisChannelKeys.firstID(ofSequence: sequence + 1).description, to: end)
        case .newest(let count):
            entries = client.xrevrange(node.keys.stream, from: end, to: "-", count: count).map { Array($0.reversed()) }
        }
        return entries.map { entries in
            let clock = WallToMonotonic()
            return entries.compactMap { entry in
                guard let (epoch, event) = RedisStoredEvent.decode(entry, clock: clock), epoch == node.epoch else { return nil }
                return event
            }
        }
    }
}
