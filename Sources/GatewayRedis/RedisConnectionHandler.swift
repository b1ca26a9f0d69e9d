import GatewayTLS
import NIOCore

/// Sits above `RESPDecoder`: writes commands, matches each reply to the oldest waiting command, and fails
/// every waiting command with one typed error when the connection ends.
///
/// Maintainer note on batching: `submit` only appends the encoded command to `unsent`; the first command
/// of a loop tick schedules one `flushUnsent` task, so every command issued before that task runs (one
/// caller's burst, or many callers' hops onto this loop) leaves in one write and one flush, which the TLS
/// handler turns into one `SSL_write`. Pipelining therefore costs one syscall per tick, not per command.
final class RedisConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = RESPValue
    typealias OutboundOut = ByteBuffer

    private var stateMachine = RedisConnectionStateMachine<EventLoopPromise<RESPValue>>()
    private var context: ChannelHandlerContext?
    /// Encoded commands not yet written (nil when none, so an idle connection holds no buffer).
    private var unsent: ByteBuffer?
    private var flushScheduled = false

    /// Commands written and not yet answered.
    var pendingCount: Int { self.stateMachine.pendingCount }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.connectionEnded(.connectionClosed)
        self.context = nil
    }

    // MARK: Commands

    /// Queues one command; its reply (or the connection's end) completes `promise`.
    func submit(_ arguments: [RedisArgument], promise: EventLoopPromise<RESPValue>) {
        switch self.stateMachine.commandSubmitted(promise) {
        case .fail(let error):
            promise.fail(error)
        case .write:
            guard let context = self.context else {
                // Not in a pipeline (yet or any more): fails this command with the others.
                self.connectionEnded(.connectionClosed)
                return
            }
            if self.unsent == nil { self.unsent = context.channel.allocator.buffer(capacity: 256) }
            RESPCommandEncoder.write(arguments, into: &self.unsent!)
            guard !self.flushScheduled else { return }
            self.flushScheduled = true
            context.eventLoop.assumeIsolated().execute {
                self.flushUnsent()
            }
        }
    }

    /// Closes once every waiting command is answered; new commands fail from now on.
    func close(promise: EventLoopPromise<Void>?) {
        guard let context = self.context else {
            promise?.succeed()
            return
        }
        switch self.stateMachine.closeRequested() {
        case .closeChannel:
            self.flushUnsent()
            context.close(promise: promise)
        case .waitForReplies:
            if let promise { context.channel.closeFuture.cascade(to: promise) }
        case .alreadyClosed:
            if let promise { context.channel.closeFuture.cascade(to: promise) }
        }
    }

    private func flushUnsent() {
        self.flushScheduled = false
        guard let context = self.context, let bytes = self.unsent else { return }
        self.unsent = nil
        context.writeAndFlush(self.wrapOutboundOut(bytes), promise: nil)
    }

    // MARK: Events

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = self.unwrapInboundIn(data)
        switch self.stateMachine.replyReceived(reply) {
        case .deliver(let promise, let reply):
            Self.complete(promise, with: reply)
        case .deliverThenClose(let promise, let reply):
            Self.complete(promise, with: reply)
            context.close(promise: nil)
        case .ignore:
            break
        case .closeOutOfStep:
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.connectionEnded(.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let connectionError: RedisConnectionError
        switch error {
        case let decoding as RESPDecodingError: connectionError = .protocolViolation(decoding)
        case let tls as TLSError: connectionError = .tlsFailed("\(tls)")
        default: connectionError = .connectionClosed
        }
        self.connectionEnded(connectionError)
        context.close(promise: nil)
    }

    private func connectionEnded(_ error: RedisConnectionError) {
        self.unsent = nil
        let (unanswered, reason) = self.stateMachine.connectionEnded(error)
        for promise in unanswered { promise.fail(reason) }
    }

    /// A top-level error reply fails its command with `RedisServerError`; inside aggregates errors stay values.
    private static func complete(_ promise: EventLoopPromise<RESPValue>, with reply: RESPValue) {
        if case .error(let error) = reply {
            promise.fail(error)
        } else {
            promise.succeed(reply)
        }
    }
}
