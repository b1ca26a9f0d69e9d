import GatewayTLS
import NIOCore
import NIOPosix

/// One open, set-up connection to a Redis server: commands are pipelined (any number in flight, replies
/// matched in order) and every method may be called from any thread.
///
/// `connect` opens TCP (then TLS for `rediss://`), sends `HELLO 3` with the credentials and `SELECT` in
/// one write, and succeeds only once both are answered, so a connection the caller holds is logged in
/// and speaks RESP3. When it drops, every command in flight fails with `RedisConnectionError`; it never
/// reconnects by itself (`RedisClient` does that for its pool).
public final class RedisConnection: RedisCommandSender {
    public let channel: any Channel
    /// The server's answer to `HELLO`: this connection's client id (for `CLIENT UNBLOCK`), server version.
    public let hello: RedisHello
    private let handler: NIOLoopBound<RedisConnectionHandler>

    public var eventLoop: any EventLoop { self.channel.eventLoop }

    /// Completes when the channel has closed, for whatever reason.
    public var closeFuture: EventLoopFuture<Void> { self.channel.closeFuture }

    private init(channel: any Channel, hello: RedisHello, handler: NIOLoopBound<RedisConnectionHandler>) {
        self.channel = channel
        self.hello = hello
        self.handler = handler
    }

    /// Opens and sets up a connection on `eventLoop`. Fails with `RedisConnectionError` (connect, TLS,
    /// refused credentials, time-out): every step is bounded by `configuration.connectTimeout`.
    public static func connect(_ configuration: RedisConnectionConfiguration, on eventLoop: any EventLoop) -> EventLoopFuture<RedisConnection> {
        let url = configuration.url
        let timeout = TimeAmount(configuration.connectTimeout)
        let limits = configuration.limits
        let replyTimeout = configuration.replyTimeout.map(TimeAmount.init)
        let tls = configuration.tls
        if url.usesTLS, tls == nil {
            return eventLoop.makeFailedFuture(RedisConnectionError.tlsFailed("rediss:// without a TLS context"))
        }
        return ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        try pipeline.addHandler(TLSHandler(context: tls, serverName: url.host, handshakeTimeout: timeout))
                    }
                    try pipeline.addHandler(ByteToMessageHandler(RESPDecoder(limits: limits)))
                    try pipeline.addHandler(RedisConnectionHandler(replyTimeout: replyTimeout))
                }
            }
            .connect(host: url.host, port: url.port)
            .flatMapErrorThrowing { error in
                throw RedisConnectionError.connectFailed("\(url): \(error)")
            }
            .flatMap { channel in
                channel.eventLoop.assumeIsolated().makeCompletedFuture {
                    try channel.pipeline.syncOperations.handler(type: RedisConnectionHandler.self)
                }
                .flatMap { handler in
                    Self.setUp(channel: channel, handler: handler, url: url, timeout: timeout)
                }
            }
    }

    /// `HELLO 3 [AUTH user password]` and `SELECT db`, pipelined; a refusal closes the channel.
    private static func setUp(channel: any Channel, handler: RedisConnectionHandler, url: RedisURL, timeout: TimeAmount) -> EventLoopFuture<RedisConnection> {
        let eventLoop = channel.eventLoop
        var helloArguments: [RedisArgument] = ["HELLO", "3"]
        if let password = url.password {
            helloArguments += ["AUTH", .string(url.username ?? "default"), .string(password)]
        }
        let helloReply = eventLoop.makePromise(of: RESPValue.self)
        handler.submit(helloArguments, promise: helloReply)
        var answers = [helloReply.futureResult]
        if url.database != 0 {
            let selectReply = eventLoop.makePromise(of: RESPValue.self)
            handler.submit(["SELECT", RedisArgument(url.database)], promise: selectReply)
            answers.append(selectReply.futureResult)
        }
        // One flag, read and written on the channel's loop only.
        let timedOut = NIOLoopBoundBox(false, eventLoop: eventLoop)
        let timer = eventLoop.scheduleTask(in: timeout) {
            timedOut.value = true
            channel.close(promise: nil)
        }
        let loopBoundHandler = NIOLoopBound(handler, eventLoop: eventLoop)
        return EventLoopFuture.whenAllSucceed(answers, on: eventLoop)
            .flatMapThrowing { replies in
                timer.cancel()
                guard let hello = RedisHello(replies[0]) else {
                    throw RedisConnectionError.setupRejected(RedisServerError(message: "ERR unreadable HELLO reply"))
                }
                return RedisConnection(channel: channel, hello: hello, handler: loopBoundHandler)
            }
            .flatMapErrorThrowing { error in
                timer.cancel()
                channel.close(promise: nil)
                if timedOut.value { throw RedisConnectionError.setupTimedOut }
                if let refusal = error as? RedisServerError { throw RedisConnectionError.setupRejected(refusal) }
                throw error
            }
    }

    public func send(_ arguments: [RedisArgument]) -> EventLoopFuture<RESPValue> {
        self.send(arguments, replyAllowance: .zero)
    }

    /// `replyAllowance`: how much longer than the reply timeout the answer may take (a blocking command).
    func send(_ arguments: [RedisArgument], replyAllowance: TimeAmount) -> EventLoopFuture<RESPValue> {
        let promise = self.eventLoop.makePromise(of: RESPValue.self)
        if self.eventLoop.inEventLoop {
            self.handler.value.submit(arguments, replyAllowance: replyAllowance, promise: promise)
        } else {
            self.eventLoop.execute {
                self.handler.value.submit(arguments, replyAllowance: replyAllowance, promise: promise)
            }
        }
        return promise.futureResult
    }

    /// Closes once every command in flight is answered; commands sent after this fail with `.closing`.
    @discardableResult
    public func close() -> EventLoopFuture<Void> {
        let promise = self.eventLoop.makePromise(of: Void.self)
        self.eventLoop.execute {
            self.handler.value.close(promise: promise)
        }
        return promise.futureResult
    }

    /// Commands written and not yet answered (for tests and metrics; read on the connection's loop).
    public var pendingCount: EventLoopFuture<Int> {
        self.eventLoop.submit { self.handler.value.pendingCount }
    }
}
