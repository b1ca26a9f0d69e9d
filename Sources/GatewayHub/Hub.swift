import GatewaySSE
import NIOCore
import Synchronization

/// Internal pub/sub: named channels created on first use, each with history and per-loop fan-out.
///
/// Thread-safe. A publish encodes each event once; every loop with subscribers gets one task per publish.
public final class Hub: Sendable {
    /// Changes on every start of an in-memory hub, so cursors from a previous process are recognised.
    public let epoch: UInt64
    public let historyLimits: HistoryLimits
    private let channels = Mutex<[String: Channel]>([:])

    public init(epoch: UInt64, historyLimits: HistoryLimits) {
        self.epoch = epoch
        self.historyLimits = historyLimits
    }

    /// What a publish did: the cursor of each event, in order, and how many streams were subscribed.
    public struct PublishResult: Sendable, Hashable {
        public var cursors: [EventCursor]
        public var subscribers: Int
    }

    public func publish(_ events: [ServerSentEvent], to channelName: String) -> PublishResult {
        let now = NIODeadline.now()
        while true {
            if let (cursors, subscribers) = channel(named: channelName).publish(events, epoch: epoch, limits: historyLimits, now: now) {
                return PublishResult(cursors: cursors, subscribers: subscribers)
            }
        }
    }

    /// Subscribes live (from the next event on). Must be called on `loop`, the subscriber's event loop.
    public func subscribe(_ subscriber: any HubSubscriber, to channelName: String, on loop: any EventLoop) -> HubSubscription {
        while true {
            if let subscription = channel(named: channelName).subscribe(subscriber, on: loop) { return subscription }
        }
    }

    /// Ends every stream subscribed to a channel (`HubSubscriber.channelClosed`), after the events already
    /// published to it. History is kept; the channel stays usable.
    public func closeChannel(_ channelName: String) {
        channels.withLock { $0[channelName] }?.close()
    }

    /// Streams currently subscribed to a channel (0 for an unknown channel).
    public func subscriberCount(channel channelName: String) -> Int {
        channels.withLock { $0[channelName] }?.subscriberCount ?? 0
    }

    /// Number of channels held (with subscribers or history).
    public var channelCount: Int { channels.withLock { $0.count } }

    /// Drops expired history and forgets channels left with neither history nor subscribers. Call periodically.
    public func sweep(now: NIODeadline = .now()) {
        let snapshot = channels.withLock { Array($0.values) }
        let retired = snapshot.filter { $0.sweep(limits: historyLimits, now: now) }
        guard !retired.isEmpty else { return }
        channels.withLock { channels in
            for channel in retired where channels[channel.name] === channel {
                channels[channel.name] = nil
            }
        }
    }

    private func channel(named name: String) -> Channel {
        channels.withLock { channels in
            if let channel = channels[name] { return channel }
            let channel = Channel(name: name)
            channels[name] = channel
            return channel
        }
    }
}
