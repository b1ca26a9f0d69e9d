import NIOCore

/// Blocking `XREAD`s on a connection of their own, so a read parked on the server for seconds never holds
/// up the pool's commands, with a way to cut a read short when the set of streams to read changes.
///
/// Maintainer note on interrupting: a node reads every channel with local subscribers in one blocked
/// `XREAD`; when a subscriber arrives for a new channel the read must be re-issued with it. Two ways were
/// weighed. A short block time (say 200 ms) re-issues on its own, but costs a round trip per node every
/// period while idle and delays a new channel by up to that period. `CLIENT UNBLOCK <id>` (Redis 5+), sent
/// from a pool connection, ends the blocked read at once as if it timed out; the caller then reads again
/// with the new set. We use `CLIENT UNBLOCK` (the id comes from `HELLO`), and callers still pass a finite
/// block time as a safety net. One race is handled here: an `UNBLOCK` that reaches the server before the
/// `XREAD` it targets finds nothing blocked and answers 0; `interrupt` then retries every few milliseconds
/// until the read is woken or has ended by itself.
///
/// One read at a time (the rules are `RedisBlockingReaderStateMachine`); all state on the client's loop;
/// every method may be called from any thread. The connection is opened on the first read and re-opened
/// on the next read after it drops.
public final class RedisBlockingReader: @unchecked Sendable {
    public enum Failure: Error, Sendable, Hashable {
        /// A read was issued while another was still in flight.
        case readInProgress
        /// `close()` was called.
        case closed
    }

    private let client: RedisClient
    /// Read and written on `eventLoop` only.
    private var stateMachine = RedisBlockingReaderStateMachine<RedisConnection>()

    /// How long `interrupt` keeps retrying an `UNBLOCK` that found nothing blocked yet.
    private static let unblockRetryInterval = TimeAmount.milliseconds(5)
    private static let unblockAttempts = 200

    public var eventLoop: any EventLoop { self.client.eventLoop }

    init(client: RedisClient) {
        self.client = client
    }

    /// `XREAD [COUNT n] BLOCK ms STREAMS ...` on the reader's connection: the entries after each position,
    /// or none when `block` passes or `interrupt` is called. Fails with `RedisConnectionError` when the
    /// connection cannot be opened or drops (the next read opens a new one).
    public func read(_ positions: [RedisStreamPosition], count: Int? = nil, block: Duration) -> EventLoopFuture<[RedisStreamBatch]> {
        let arguments = RedisClient.xreadArguments(positions, count: count, block: block)
        let allowance = TimeAmount(block)
        return self.eventLoop.flatSubmit {
            switch self.stateMachine.readRequested(isOpen: { $0.channel.isActive }) {
            case .fail(let failure):
                return self.eventLoop.makeFailedFuture(failure)
            case .send(let read, let connection):
                return self.send(arguments, replyAllowance: allowance, read: read, on: connection)
            case .openConnection(let read):
                return RedisConnection.connect(self.client.configuration.connection, on: self.eventLoop)
                    .flatMapError { error in
                        self.stateMachine.connectionFailed(read: read)
                        return self.eventLoop.makeFailedFuture(error)
                    }
                    .flatMap { connection in
                        switch self.stateMachine.connectionOpened(read: read, connection) {
                        case .send(let connection):
                            return self.send(arguments, replyAllowance: allowance, read: read, on: connection)
                        case .answerEmpty:
                            return self.eventLoop.makeSucceededFuture([])
                        case .closeAndFail:
                            connection.channel.close(promise: nil)
                            return self.eventLoop.makeFailedFuture(Failure.closed)
                        }
                    }
            }
        }
    }

    /// Wakes the read in flight, which then answers no entries. True when a read was woken (or, while its
    /// connection was still opening, will not block); false when none was in flight or it ended by itself
    /// first. Fails with the pool's errors when `CLIENT UNBLOCK` cannot be sent.
    public func interrupt() -> EventLoopFuture<Bool> {
        self.eventLoop.flatSubmit {
            switch self.stateMachine.interruptRequested() {
            case .nothingInFlight:
                return self.eventLoop.makeSucceededFuture(false)
            case .stoppedBeforeSending:
                return self.eventLoop.makeSucceededFuture(true)
            case .unblock(let read, let connection):
                return self.unblock(clientID: connection.hello.clientID, read: read, attemptsLeft: Self.unblockAttempts)
            }
        }
    }

    /// Closes the connection; a read in flight fails with `RedisConnectionError`, later ones with `.closed`.
    public func close() -> EventLoopFuture<Void> {
        self.eventLoop.flatSubmit {
            guard let connection = self.stateMachine.closeRequested() else { return self.eventLoop.makeSucceededVoidFuture() }
            connection.channel.close(promise: nil)
            return connection.closeFuture
        }
    }

    private func send(_ arguments: [RedisArgument], replyAllowance: TimeAmount, read: Int, on connection: RedisConnection) -> EventLoopFuture<[RedisStreamBatch]> {
        connection.send(arguments, replyAllowance: replyAllowance)
            .always { _ in self.stateMachine.readEnded(read: read) }
            .flatMapThrowing { try RedisStreamBatch.batches($0) }
    }

    private func unblock(clientID: Int64, read: Int, attemptsLeft: Int) -> EventLoopFuture<Bool> {
        self.client.send(["CLIENT", "UNBLOCK", .integer(clientID)]).flatMap { reply in
            if reply.integer == 1 { return self.eventLoop.makeSucceededFuture(true) }
            // The XREAD is still on its way to the server (or already answered): try again shortly.
            guard self.stateMachine.isWaiting(read: read), attemptsLeft > 1 else { return self.eventLoop.makeSucceededFuture(false) }
            return self.eventLoop.scheduleTask(in: Self.unblockRetryInterval) {}.futureResult.flatMap {
                self.unblock(clientID: clientID, read: read, attemptsLeft: attemptsLeft - 1)
            }
        }
    }
}
