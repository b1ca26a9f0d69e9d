import GatewayRedis
import NIOCore

/// The node's one reader: a blocked `XREAD` over every channel with local subscribers, each from the last
/// id it delivered, handing new entries to the channels (and so to their feeds) in id order.
///
/// A channel fanned out to thousands of streams on this node is read once here, not once per stream. The
/// read is re-issued with the new set when a channel joins (`CLIENT UNBLOCK` wakes it at once, so a new
/// subscriber sees live traffic within milliseconds, not after the block time). When Redis is lost the
/// reader backs off (`RedisBackoff`), then checks every channel's life before reading again: a channel
/// Redis kept resumes from its last delivered id (nothing lost, nothing repeated); one that Redis lost or
/// made again is retired, which ends its streams so clients learn of the new life as an `epoch_changed` gap.
///
/// All state lives on the client's event loop; the rules are `RedisReaderStateMachine`.
final class RedisChannelReader: @unchecked Sendable {
    private let client: RedisClient
    private let reader: RedisBlockingReader
    private let configuration: RedisEngineConfiguration
    private let backoff: RedisBackoff
    /// The channels to read now (those with subscribers or joining).
    private let channels: @Sendable () -> [RedisNodeChannel]
    /// Retires a channel whose streams cannot go on (its life changed, or it fell behind the history).
    private let retire: @Sendable (RedisNodeChannel, RedisNodeChannel.Retirement) -> Void
    private let report: @Sendable (RedisEngineEvent) -> Void
    /// On `eventLoop` only.
    private var stateMachine = RedisReaderStateMachine()
    private var lastCheck = NIODeadline.now()
    private var retryTimer: Scheduled<Void>?
    /// The streams the read in flight covers: an interrupt that found no read in flight yet (it was still
    /// on its way) is retried while the set it reads lacks a channel.
    private var streamsBeingRead: Set<String> = []

    private var eventLoop: any EventLoop { client.eventLoop }

    init(client: RedisClient, configuration: RedisEngineConfiguration,
         channels: @escaping @Sendable () -> [RedisNodeChannel],
         retire: @escaping @Sendable (RedisNodeChannel, RedisNodeChannel.Retirement) -> Void,
         report: @escaping @Sendable (RedisEngineEvent) -> Void) {
        self.client = client
        self.reader = client.makeBlockingReader()
        self.configuration = configuration
        self.backoff = RedisBackoff(initial: configuration.client.reconnectInitial, maximum: configuration.client.reconnectMaximum)
        self.channels = channels
        self.retire = retire
        self.report = report
    }

    /// The set of channels changed: start reading, or re-issue the read in flight with the new set.
    func channelsChanged() {
        eventLoop.execute {
            self.perform(self.stateMachine.channelsChanged(hasChannels: !self.channels().isEmpty))
        }
    }

    func stop() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            self.stateMachine.stopRequested()
            self.retryTimer?.cancel()
            return self.reader.close()
        }
    }

    private func perform(_ action: RedisReaderStateMachine.Action) {
        eventLoop.preconditionInEventLoop()
        switch action {
        case .none:
            return
        case .interrupt:
            interrupt(attemptsLeft: 100)
        case .scheduleRetry(let failures):
            retryTimer = eventLoop.scheduleTask(in: TimeAmount(backoff.delay(afterFailures: failures))) {
                self.retryTimer = nil
                self.perform(self.stateMachine.retryTimerFired(hasChannels: !self.channels().isEmpty))
            }
        case .read(let checkLivesFirst):
            let due = checkLivesFirst || NIODeadline.now() - lastCheck >= TimeAmount(configuration.checkInterval)
            let checked = due ? checkLives() : eventLoop.makeSucceededVoidFuture()
            checked.flatMap { self.readOnce() }.whenComplete { result in
                switch result {
                case .success:
                    if checkLivesFirst { self.report(.readerResumed(channels: self.channels().count)) }
                    self.perform(self.stateMachine.readSucceeded(hasChannels: !self.channels().isEmpty))
                case .failure(let error):
                    if case .stopped = self.stateMachine.state { return }
                    let action = self.stateMachine.readFailed()
                    if case .scheduleRetry(let failures) = action { self.report(.readerFailed("\(error)", failures: failures)) }
                    self.perform(action)
                }
            }
        }
    }

    /// Wakes the read in flight. When none was in flight yet (the read is still being issued, possibly
    /// without the new channel), tries again shortly while the read lacks a channel. A failed `UNBLOCK`
    /// leaves the read to end by its block time: the set is read then.
    private func interrupt(attemptsLeft: Int) {
        reader.interrupt().whenSuccess { woken in
            guard !woken, attemptsLeft > 1, case .reading = self.stateMachine.state,
                  !Set(self.channels().map(\.keys.stream)).isSubset(of: self.streamsBeingRead) else { return }
            self.eventLoop.scheduleTask(in: .milliseconds(5)) { self.interrupt(attemptsLeft: attemptsLeft - 1) }
        }
    }

    /// One blocked read of every channel from its last delivered id; entries handed over in id order.
    private func readOnce() -> EventLoopFuture<Void> {
        let active = channels()
        streamsBeingRead = Set(active.map(\.keys.stream))
        guard !active.isEmpty else { return eventLoop.makeSucceededVoidFuture() }
        let byStream = Dictionary(active.map { ($0.keys.stream, $0) }, uniquingKeysWith: { first, _ in first })
        return reader.read(active.map(\.readPosition), count: 1000, block: configuration.readBlock).map { batches in
            let clock = WallToMonotonic()
            for batch in batches {
                guard let channel = byStream[batch.key] else { continue }
                switch channel.deliver(batch.entries, clock: clock) {
                case .delivered:
                    break
                case .epochChanged(let epoch):
                    self.retire(channel, .epochChanged(to: epoch))
                case .fellBehind(let missed):
                    self.retire(channel, .fellBehind(missed: missed))
                }
            }
        }
    }

    /// Asks Redis for every channel's life (pipelined, one `check` script each) and retires those whose
    /// life is gone or another; moves a counter that went back forward (see `RedisEngineScripts.check`).
    private func checkLives() -> EventLoopFuture<Void> {
        lastCheck = .now()
        let active = channels()
        let checks = active.map { channel in
            client.evalScript(RedisEngineScripts.check, keys: [channel.keys.meta], arguments: [.integer(Int64(channel.delivered))])
                .map { reply in (channel, reply.integer.flatMap { UInt64(exactly: $0) }) }
        }
        return EventLoopFuture.whenAllSucceed(checks, on: eventLoop).map { lives in
            for (channel, epoch) in lives where epoch != channel.epoch {
                self.retire(channel, .epochChanged(to: epoch))
            }
        }
    }
}
