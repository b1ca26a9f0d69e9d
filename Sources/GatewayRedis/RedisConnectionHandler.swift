import GatewayTLS
import NIOCore

/// Sits above `RESPDecoder`: writes commands, matches each reply to the oldest waiting command, and fails
/// every waiting command with one typed error when the connection ends.
///
/// Maintainer note on batching: `submit` only appends the encoded command to `unsent`; the first command
/// of a loop tick schedules one `flushUnsent` task, so every command issued before that task runs (one
/// caller's burst, or many callers' hops onto this loop) leaves in one write and one flush, which the TLS
/// handler turns into one `SSL_write`. Pipelining therefore costs one syscall per tick, not per command.
///
/// Maintainer note on the reply timeout: a server that hangs, or a network that drops packets without a
/// reset, would leave commands waiting for the TCP retransmission timeout (many minutes). While commands
/// wait, one timer checks that a reply arrived within `replyTimeout` of the last one (or of the first
/// command, after a quiet spell), plus the oldest command's own allowance (a blocking `XREAD` may
/// legitimately wait its block time). Replies only move a timestamp; the timer re-arms itself lazily, so
/// ten thousand pipelined replies cost no timer operations.
final class RedisConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = RESPValue
    typealias OutboundOut = ByteBuffer

    /// A command waiting for its reply.
    struct PendingCommand {
        let promise: EventLoopPromise<RESPValue>
        /// Extra time the reply may take beyond the reply timeout (a blocking command's block time).
        let replyAllowance: TimeAmount
    }

    private var stateMachine = RedisConnectionStateMachine<PendingCommand>()
    private var context: ChannelHandlerContext?
    /// Encoded commands not yet written (nil when none, so an idle connection holds no buffer).
    private var unsent: ByteBuffer?
    private var flushScheduled = false
    /// nil: commands may wait for ever (tests of the handler alone).
    private let replyTimeout: TimeAmount?
    /// When the last reply arrived, or the first command after a quiet spell was submitted.
    private var lastProgress = NIODeadline.uptimeNanoseconds(0)
    private var watchdog: Scheduled<Void>?

    init(replyTimeout: TimeAmount?) {
        self.replyTimeout = replyTimeout
    }

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
    func submit(_ arguments: [RedisArgument], replyAllowance: TimeAmount = .zero, promise: EventLoopPromise<RESPValue>) {
        let wasIdle = self.stateMachine.pendingCount == 0
        switch self.stateMachine.commandSubmitted(PendingCommand(promise: promise, replyAllowance: replyAllowance)) {
        case .fail(let error):
            promise.fail(error)
        case .write:
            guard let context = self.context else {
                // Not in a pipeline (yet or any more): fails this command with the others.
                self.connectionEnded(.connectionClosed)
                return
            }
            if wasIdle { self.lastProgress = context.eventLoop.now }
            self.armWatchdog(context: context)
            // Out of the property while writing, so the buffer has one reference and grows in place.
            var unsent = self.unsent ?? context.channel.allocator.buffer(capacity: 256)
            self.unsent = nil
            RESPCommandEncoder.write(arguments, into: &unsent)
            self.unsent = unsent
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
        self.lastProgress = context.eventLoop.now
        switch self.stateMachine.replyReceived(reply) {
        case .deliver(let command, let reply):
            Self.complete(command.promise, with: reply)
        case .deliverThenClose(let command, let reply):
            Self.complete(command.promise, with: reply)
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
        self.watchdog?.cancel()
        self.watchdog = nil
        let (unanswered, reason) = self.stateMachine.connectionEnded(error)
        for command in unanswered { command.promise.fail(reason) }
    }

    // MARK: Reply timeout

    private func armWatchdog(context: ChannelHandlerContext) {
        guard self.watchdog == nil, let deadline = self.replyDeadline else { return }
        self.watchdog = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.watchdog = nil
            self.watchdogFired(context: context)
        }
    }

    /// When the oldest waiting command is overdue; nil when nothing waits or there is no timeout.
    private var replyDeadline: NIODeadline? {
        guard let timeout = self.replyTimeout, let oldest = self.stateMachine.oldestPending else { return nil }
        return self.lastProgress + timeout + oldest.replyAllowance
    }

    private func watchdogFired(context: ChannelHandlerContext) {
        guard let deadline = self.replyDeadline else { return }
        guard context.eventLoop.now >= deadline else {
            self.armWatchdog(context: context)  // replies came meanwhile: check again at the new deadline
            return
        }
        self.connectionEnded(.replyTimedOut)
        context.close(promise: nil)
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
