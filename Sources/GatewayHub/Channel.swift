import DequeModule
import GatewaySSE
import NIOCore
import Synchronization

/// One named channel: its sequence counter, its history ring and its subscribers, grouped by event loop.
///
/// The lock is held only for bookkeeping (assigning sequence numbers, appending history, reading the
/// list of loops); delivery runs on each subscriber's own loop. Dispatching to the loops while holding the
/// lock keeps every loop's queue in sequence order, and registering a subscriber under the same lock gives
/// it an exact start position: everything at or below it is history, everything above it is live.
final class Channel: Sendable {
    let name: String

    private struct State: ~Copyable {
        var lastSequence: UInt64 = 0
        var history = Deque<EncodedEvent>()
        var historyBytes = 0
        var fanouts: [ObjectIdentifier: LoopFanout] = [:]
        var subscriberCount = 0
        /// Set when the hub drops this channel; users that raced with the drop look it up again.
        var retired = false
    }

    private let state = Mutex(State())

    init(name: String) {
        self.name = name
    }

    /// Assigns sequence numbers, appends to history, and hands the events to every loop with subscribers.
    /// Nil if the channel was retired meanwhile (the caller retries on a fresh channel).
    func publish(_ events: [ServerSentEvent], epoch: UInt64, limits: HistoryLimits, now: NIODeadline) -> (cursors: [EventCursor], subscribers: Int)? {
        state.withLock { state -> (cursors: [EventCursor], subscribers: Int)? in
            guard !state.retired else { return nil }
            var encoded: [EncodedEvent] = []
            encoded.reserveCapacity(events.count)
            for event in events {
                state.lastSequence += 1
                let item = EncodedEvent(event: event, cursor: EventCursor(epoch: epoch, sequence: state.lastSequence), publishedAt: now)
                encoded.append(item)
                if limits.count > 0 {
                    state.history.append(item)
                    state.historyBytes += item.byteCount
                }
            }
            Self.trim(&state, limits: limits, now: now)
            let batch = encoded
            for fanout in state.fanouts.values {
                fanout.loop.execute { fanout.deliver(batch) }
            }
            return (encoded.map(\.cursor), state.subscriberCount)
        }
    }

    /// Registers a live subscriber on the calling loop. Nil if the channel was retired meanwhile.
    func subscribe(_ subscriber: any HubSubscriber, on loop: any EventLoop) -> HubSubscription? {
        loop.preconditionInEventLoop()
        let registered: (LoopFanout, UInt64)? = state.withLock { state in
            guard !state.retired else { return nil }
            let key = ObjectIdentifier(loop)
            let fanout = state.fanouts[key] ?? LoopFanout(loop: loop, channelName: name)
            state.fanouts[key] = fanout
            state.subscriberCount += 1
            return (fanout, state.lastSequence)
        }
        guard let (fanout, startAfter) = registered else { return nil }
        // We are on `loop`: deliveries dispatched after the lock was released run after this task, so the
        // subscriber is in place before any event above `startAfter` reaches the fan-out.
        let subscription = HubSubscription(subscriber: subscriber, startAfter: startAfter, fanout: fanout, channel: self)
        fanout.add(subscription)
        return subscription
    }

    /// Called on the fan-out's loop after a removal; forgets the fan-out when it has no subscribers left.
    func fanoutMayBeEmpty(_ fanout: LoopFanout) {
        let empty = fanout.count == 0
        state.withLock { state in
            state.subscriberCount -= 1
            if empty, state.fanouts[ObjectIdentifier(fanout.loop)] === fanout {
                state.fanouts[ObjectIdentifier(fanout.loop)] = nil
            }
        }
    }

    /// Tells every subscriber the channel closed. Dispatched under the lock, like `publish`, so each loop
    /// sees the close after the events published before it.
    func close() {
        state.withLock { state in
            for fanout in state.fanouts.values {
                fanout.loop.execute { fanout.closeAll() }
            }
        }
    }

    var subscriberCount: Int { state.withLock { $0.subscriberCount } }
    var historyCount: Int { state.withLock { $0.history.count } }
    var lastSequence: UInt64 { state.withLock { $0.lastSequence } }

    /// Drops expired history; retires the channel (returns true) when it has neither history nor subscribers.
    func sweep(limits: HistoryLimits, now: NIODeadline) -> Bool {
        state.withLock { state in
            Self.trim(&state, limits: limits, now: now)
            guard state.history.isEmpty, state.subscriberCount == 0 else { return false }
            state.retired = true
            return true
        }
    }

    private static func trim(_ state: inout State, limits: HistoryLimits, now: NIODeadline) {
        let oldest = now - TimeAmount(limits.ttl)
        while let first = state.history.first,
              state.history.count > limits.count || state.historyBytes > limits.bytes || first.publishedAt < oldest {
            state.historyBytes -= first.byteCount
            state.history.removeFirst()
        }
    }
}
