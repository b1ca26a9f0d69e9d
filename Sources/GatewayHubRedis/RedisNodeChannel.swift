import GatewayHub
import GatewayRedis
import GatewaySSE
import NIOCore
import Synchronization

/// One channel as this node reads it: the life (epoch) it follows, how far it has delivered, and its
/// feed (this node's subscribers).
///
/// The lock orders two things, like `MemoryChannel`'s: deliveries (the reader hands entries over in id
/// order, advancing `delivered`) and registrations (a subscriber is put in the feed at `delivered`). So a
/// subscriber registered at `n` gets live exactly the events above `n`, and its replay is the history up
/// to `n`: no gap, no duplicate. Lock order: this channel, then its feed.
final class RedisNodeChannel: Sendable {
    let keys: RedisChannelKeys
    /// The life this node follows. An entry or a meta hash of another life retires this object.
    let epoch: UInt64
    let limits: HistoryLimits
    let feed: ChannelFeed

    private struct State: ~Copyable {
        /// The last sequence number handed to the feed (or known to be history when reading began).
        var delivered: UInt64
        /// Subscribes between looking this channel up and registering: the sweep keeps it meanwhile.
        var joining = 0
        /// Replaced by a new object (another life, or dropped when idle): joiners look it up again.
        var retired = false
    }

    private let state: Mutex<State>

    init(keys: RedisChannelKeys, epoch: UInt64, delivered: UInt64, limits: HistoryLimits, statistics: HubStatistics? = nil) {
        self.keys = keys
        self.epoch = epoch
        self.limits = limits
        self.feed = ChannelFeed(name: keys.channel, statistics: statistics)
        self.state = Mutex(State(delivered: delivered))
    }

    /// What handing a batch of entries over found.
    enum Delivery: Equatable {
        case delivered(events: Int)
        /// An entry of another life: the stream was made again under this node; the caller retires it.
        case epochChanged(UInt64)
        /// Redis trimmed events this node had not read yet (it fell further behind than the history
        /// holds): its live streams cannot be told in-band, so the caller retires the channel and the
        /// clients, back with their cursor, get an `evicted` gap naming what they missed.
        case fellBehind(missed: ClosedRange<UInt64>)
    }

    /// Hands entries newer than `delivered` to the feed, in id order. Entries already delivered (a read
    /// re-issued after a reconnect) are skipped; an entry of another life, or a hole in the sequence,
    /// stops the batch (what came before it is delivered).
    func deliver(_ entries: [RedisStreamEntry], clock: WallToMonotonic) -> Delivery {
        state.withLock { state in
            guard !state.retired else { return .delivered(events: 0) }
            var batch: [EncodedEvent] = []
            var outcome = Delivery.delivered(events: 0)
            for entry in entries where RedisChannelKeys.sequence(of: entry.id) > state.delivered {
                guard let (entryEpoch, event) = RedisStoredEvent.decode(entry, clock: clock) else { continue }
                guard entryEpoch == epoch else {
                    outcome = .epochChanged(entryEpoch)
                    break
                }
                // Sequence numbers of one life are contiguous (the publish script counts them).
                guard event.cursor.sequence == state.delivered + 1 else {
                    outcome = .fellBehind(missed: (state.delivered + 1)...(event.cursor.sequence - 1))
                    break
                }
                batch.append(event)
                state.delivered = event.cursor.sequence
            }
            // One hand-over for the batch: each event carries its own targets, which the fan-out checks.
            if !batch.isEmpty { feed.deliver(batch) }
            if case .delivered = outcome { outcome = .delivered(events: batch.count) }
            return outcome
        }
    }

    /// Where the reader continues: after the last delivered sequence.
    var readPosition: RedisStreamPosition {
        let delivered = state.withLock { $0.delivered }
        return RedisStreamPosition(key: keys.stream, after: RedisChannelKeys.lastID(ofSequence: delivered))
    }

    var delivered: UInt64 { state.withLock { $0.delivered } }

    /// Counts a subscribe that is on its way to `register`. False when the channel is retired.
    func beginJoin() -> Bool {
        state.withLock { state in
            guard !state.retired else { return false }
            state.joining += 1
            return true
        }
    }

    /// Registers a subscriber on the calling loop for the events above `max(delivered, atLeast)`, and
    /// answers where that is. Nil when the channel was retired meanwhile (look it up again). Ends the join
    /// `beginJoin` counted either way.
    func register(_ subscriber: any HubSubscriber, on loop: any EventLoop, atLeast: UInt64) -> (HubSubscription, delivered: UInt64)? {
        state.withLock { state in
            state.joining -= 1
            guard !state.retired else { return nil }
            let subscription = feed.register(subscriber, on: loop, startAfter: max(state.delivered, atLeast))
            return (subscription, state.delivered)
        }
    }

    /// Ends a join that will not register (its Redis calls failed).
    func abandonJoin() {
        state.withLock { $0.joining -= 1 }
    }

    /// Retires the channel when nobody is subscribed or joining (the sweep drops idle channels). True if
    /// it did.
    func retireIfIdle() -> Bool {
        state.withLock { state in
            guard !state.retired, state.joining == 0, feed.subscriberCount == 0 else { return false }
            state.retired = true
            return true
        }
    }

    /// Retires the channel and ends its streams after the events already delivered (another life began:
    /// the clients reconnect with their cursor and learn of it as an `epoch_changed` gap).
    func retireAndClose() {
        state.withLock { state in
            guard !state.retired else { return }
            state.retired = true
            feed.close()
        }
    }

    /// Ends this node's streams of the channel; the channel stays (history is Redis's).
    func close() {
        state.withLock { _ in feed.close() }
    }

    var isRetired: Bool { state.withLock { $0.retired } }

    /// Why a channel's streams end and a fresh channel object replaces it.
    enum Retirement: Equatable {
        /// Redis has another life of the channel, or none (`nil`).
        case epochChanged(to: UInt64?)
        /// Redis trimmed these sequence numbers before this node read them.
        case fellBehind(missed: ClosedRange<UInt64>)
    }
}
