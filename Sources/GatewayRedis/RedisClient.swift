// Maintainer note: why our own RESP codec on NIO, not hiredis.
//
// Issue 14 offered two ways to speak Redis: hiredis's `redisReader` and command formatter driven from
// memory with NIO owning the socket (the way nghttp2 is driven), or a small RESP codec of our own. We wrote
// the codec (`RESPDecoder`, `RESPCommandEncoder`), because:
// - There is little to gain from C here. nghttp2 earns its place with HPACK, flow control and a state
//   machine per stream; RESP is length-prefixed lines, and the whole decoder is one incremental parser
//   under 250 lines. The encoder is ten lines: an array of bulk strings.
// - Bounds are ours to choose. hiredis's reader caps bulk and multi-bulk lengths and nesting
//   (`maxbulklen`, `maxelements`, a fixed depth of 7) and returns a string error; our `Limits` are
//   per-connection settings and a failure is a typed `RESPDecodingError` the tests can match.
// - No copies across the boundary. hiredis builds its own `redisReply` tree in malloc'd memory that we would
//   then copy into Swift values; the codec slices bulk payloads (event bytes) straight out of NIO's
//   buffer, and writes commands straight into the outgoing `ByteBuffer`.
// - No second C object per connection to own, free and fuzz, no shim target, and `libhiredis-dev` stays off
//   the build: only the TLS and HTTP/2 modules touch C (DESIGN.md).
// - RESP3 needs nothing extra: hiredis decodes RESP3 but leaves building values to callbacks we would
//   have to write anyway.
// What we give up: hiredis's years of field use. The decoder is therefore tested byte-split at every
// position, against random and hostile input, and against a real redis-server.
//
// The pieces: `RedisConnection` (one pipelined connection; `RedisConnectionHandler` carries out
// `RedisConnectionStateMachine`), `RedisClient` (this file: a small pool that reconnects with backoff and
// fails fast while Redis is down, per `RedisPoolStateMachine`), `RedisBlockingReader` (a dedicated
// connection for `XREAD BLOCK`, interrupted with `CLIENT UNBLOCK`), and typed command helpers as
// extensions of `RedisCommandSender`.

import NIOCore

/// A small pool of pipelined connections to one Redis server, kept connected: a dropped connection is
/// replaced at once, failed attempts back off exponentially with jitter, and while no connection is up
/// commands fail at once with `RedisUnavailable` (a publish answers 503 instead of hanging).
///
/// All state lives on `eventLoop`; every method may be called from any thread. Commands are not retried
/// on another connection: one whose connection dropped may have run, and only the caller knows whether
/// running it twice is safe.
///
/// Errors by scope, for callers that answer HTTP: `RedisUnavailable` (nothing connected, not sent) and
/// `RedisConnectionError` (lost or timed out in flight, may have run) both mean "Redis is unreachable",
/// a 503; `RedisServerError` is Redis refusing this one command and `RedisReplyError` a reply of the wrong
/// shape, both bugs or misconfiguration rather than outages.
public final class RedisClient: RedisCommandSender, @unchecked Sendable {
    public let configuration: RedisClientConfiguration
    public let eventLoop: any EventLoop
    /// Read and written on `eventLoop` only.
    private var stateMachine: RedisPoolStateMachine<RedisConnection, EventLoopPromise<RedisConnection>>
    private var reconnectTimers: [Int: Scheduled<Void>] = [:]
    private var lastError: RedisConnectionError?

    /// `randomUnit` feeds the backoff jitter (tests inject a fixed one).
    public init(configuration: RedisClientConfiguration, eventLoop: any EventLoop, randomUnit: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        let backoff = RedisBackoff(initial: configuration.reconnectInitial, maximum: configuration.reconnectMaximum, randomUnit: randomUnit)
        self.stateMachine = RedisPoolStateMachine(size: configuration.poolSize, backoff: backoff)
    }

    /// Opens the pool's connections. Commands sent before the first connection is up wait for it (within
    /// the connect timeout) rather than failing.
    public func start() {
        self.eventLoop.execute { self.perform(self.stateMachine.start()) }
    }

    /// Closes every connection (after the commands in flight are answered) and refuses new commands.
    public func shutdown() -> EventLoopFuture<Void> {
        self.eventLoop.flatSubmit {
            for timer in self.reconnectTimers.values { timer.cancel() }
            self.reconnectTimers = [:]
            var closes: [EventLoopFuture<Void>] = []
            for action in self.stateMachine.shutdownRequested() {
                if case .close(let connections) = action {
                    closes += connections.map { $0.close() }
                } else {
                    self.perform([action])
                }
            }
            return EventLoopFuture.andAllComplete(closes, on: self.eventLoop)
        }
    }

    public func send(_ arguments: [RedisArgument]) -> EventLoopFuture<RESPValue> {
        self.eventLoop.flatSubmit {
            let promise = self.eventLoop.makePromise(of: RedisConnection.self)
            if let action = self.stateMachine.commandArrived(promise) { self.perform([action]) }
            return promise.futureResult.flatMap { $0.send(arguments) }
        }
    }

    /// Connections up now (tests, metrics, health).
    public var connectedCount: EventLoopFuture<Int> {
        self.eventLoop.submit { self.stateMachine.connectedCount }
    }

    /// A reader with a connection of its own for `XREAD BLOCK`, so a blocked read never holds a pool
    /// connection; it interrupts itself with `CLIENT UNBLOCK` sent through this pool.
    public func makeBlockingReader() -> RedisBlockingReader {
        RedisBlockingReader(client: self)
    }

    // MARK: Carrying out the pool's actions (on the loop)

    private func perform(_ actions: [RedisPoolStateMachine<RedisConnection, EventLoopPromise<RedisConnection>>.Action]) {
        self.eventLoop.preconditionInEventLoop()
        for action in actions {
            switch action {
            case .connect(let slot):
                self.connect(slot: slot)
            case .scheduleReconnect(let slot, let delay):
                self.reconnectTimers[slot] = self.eventLoop.scheduleTask(in: TimeAmount(delay)) {
                    self.reconnectTimers[slot] = nil
                    self.perform(self.stateMachine.reconnectTimerFired(slot: slot))
                }
            case .send(let waiters, let connection):
                for waiter in waiters { waiter.succeed(connection) }
            case .failUnavailable(let waiters):
                let error = RedisUnavailable(lastError: self.lastError, shutDown: self.isShutDown)
                for waiter in waiters { waiter.fail(error) }
            case .close(let connections):
                for connection in connections { connection.close() }
            }
        }
    }

    private var isShutDown: Bool {
        self.stateMachine.slots.allSatisfy { slot in
            if case .stopped = slot { return true }
            return false
        }
    }

    private func connect(slot: Int) {
        RedisConnection.connect(self.configuration.connection, on: self.eventLoop).whenComplete { result in
            switch result {
            case .success(let connection):
                self.lastError = nil
                connection.closeFuture.whenComplete { _ in
                    self.eventLoop.execute {
                        self.perform(self.stateMachine.connectionClosed(slot: slot, connection))
                    }
                }
                self.perform(self.stateMachine.connectSucceeded(slot: slot, connection))
            case .failure(let error):
                self.lastError = error as? RedisConnectionError ?? .connectFailed("\(error)")
                self.perform(self.stateMachine.connectFailed(slot: slot))
            }
        }
    }
}
