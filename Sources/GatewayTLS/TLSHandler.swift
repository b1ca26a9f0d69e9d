import NIOCore

/// TLS over OpenSSL memory BIOs as a NIO handler: ciphertext below, plaintext above.
///
/// Maintainer note on batching: `write` encrypts at once into the connection's write BIO; `flush` drains
/// the whole BIO into ONE ByteBuffer. So N writes and one flush leave as exactly one downstream write, which
/// the HTTP/2 layer relies on ("frames of many streams leave in one TLS write per batch"). Writes made
/// before the handshake completes are kept as plaintext and encrypted, in order, once it does; the
/// lifecycle rules live in `TLSHandlerStateMachine`.
public final class TLSHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private enum Role {
        case server(TLSServerContext)
        case client(TLSClientContext, serverName: String?)
    }

    /// Largest TLS plaintext record (RFC 8446 §5.1: 2^14 bytes); bounds each inbound chunk we allocate.
    private static let maximumPlaintextChunk = 16_384

    private let role: Role
    private let handshakeTimeout: TimeAmount?
    private var stateMachine = TLSHandlerStateMachine()
    /// Created in `handlerAdded`, dropped in `handlerRemoved` (which frees the SSL*).
    private var connection: TLSConnection?
    private var timeoutTask: Scheduled<Void>?
    /// Plaintext written before the handshake finished.
    private var bufferedWrites: CircularBuffer<(data: ByteBuffer, promise: EventLoopPromise<Void>?)> = []
    /// Promises of writes already encrypted into the write BIO, completed by the next downstream write.
    private var encryptedPromises: [EventLoopPromise<Void>] = []
    /// From a `channelRead` to its `channelReadComplete`, flushes only mark the ciphertext as due and one
    /// write goes out at the end. The handlers above answer one inbound batch with several flushes (after
    /// a handshake: our TLS 1.3 ticket, the HTTP/2 SETTINGS, then the response), each a syscall and a TCP
    /// segment of its own otherwise. This handler sits on the socket, and NIO ends every read burst with
    /// `channelReadComplete`, which closes the cycle.
    private var inReadCycle = false
    private var flushDue = false
    /// Ciphertext above this goes out even inside a read cycle, so a large answer (a history replay) still
    /// meets the socket's backpressure instead of piling up in the BIO.
    private static let readCycleFlushLimit = 64 * 1024

    /// A server-side handler; SNI picks the certificate, ALPN the protocol.
    public init(context: TLSServerContext, handshakeTimeout: TimeAmount? = .seconds(10)) {
        self.role = .server(context)
        self.handshakeTimeout = handshakeTimeout
    }

    /// A client-side handler. `serverName` is sent as SNI and checked against the certificate (an IP
    /// literal is checked against IP SANs and not sent); nil checks the chain only.
    public init(context: TLSClientContext, serverName: String?, handshakeTimeout: TimeAmount? = .seconds(10)) {
        self.role = .client(context, serverName: serverName)
        self.handshakeTimeout = handshakeTimeout
    }

    // MARK: Lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        do {
            switch self.role {
            case .server(let serverContext):
                self.connection = try TLSConnection(server: serverContext)
            case .client(let clientContext, let serverName):
                self.connection = try TLSConnection(client: clientContext, serverName: serverName)
            }
        } catch {
            self.fail(context: context, error: error)
            return
        }
        if context.channel.isActive, case .startHandshake = self.stateMachine.channelActive() {
            self.startHandshake(context: context)
        }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        self.stateMachine.transportGone()
        self.cancelTimeout()
        self.failPendingWrites(ChannelError.ioOnClosedChannel)
        self.connection = nil
    }

    public func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        if case .startHandshake = self.stateMachine.channelActive() {
            self.startHandshake(context: context)
        }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        // The transport ended without (or before we processed) close_notify; anything unsent is lost.
        self.stateMachine.transportGone()
        self.cancelTimeout()
        self.failPendingWrites(TLSError.unexpectedEOF)
        context.fireChannelInactive()
    }

    // MARK: Inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let connection = self.connection else { return }
        self.inReadCycle = true
        let ciphertext = self.unwrapInboundIn(data)
        switch self.stateMachine.ciphertextReceived() {
        case .drop:
            return
        case .startHandshake:
            connection.receiveCiphertext(ciphertext)
            self.startHandshake(context: context)
        case .continueHandshake:
            connection.receiveCiphertext(ciphertext)
            self.advanceHandshake(context: context)
        case .readPlaintext:
            connection.receiveCiphertext(ciphertext)
        }
        guard self.stateMachine.state == .active else { return }
        self.readPlaintext(context: context, connection: connection, sizeHint: ciphertext.readableBytes)
        // Reading can produce output of its own (TLS 1.3 key updates); don't let it sit in the BIO.
        if self.stateMachine.state == .active, connection.pendingCiphertextCount > 0 {
            self.flushCiphertext(context: context)
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        // The handlers above flush in their own channelReadComplete: still part of this cycle's one write.
        context.fireChannelReadComplete()
        self.inReadCycle = false
        if self.flushDue {
            self.flushDue = false
            self.sendCiphertext(context: context)
        }
        self.connection?.releaseIdleBuffers()
    }

    /// Decrypts everything complete, firing one channelRead per chunk of at most one record's size.
    private func readPlaintext(context: ChannelHandlerContext, connection: TLSConnection, sizeHint: Int) {
        let chunkSize = min(Self.maximumPlaintextChunk, max(256, sizeHint))
        var buffer = context.channel.allocator.buffer(capacity: chunkSize)
        while self.stateMachine.state == .active {
            let result = connection.read(into: &buffer)
            if case .progress = result, buffer.writableBytes > 0 { continue }
            if buffer.readableBytes > 0 {
                context.fireChannelRead(self.wrapInboundOut(buffer))
                buffer = context.channel.allocator.buffer(capacity: chunkSize)
            }
            switch result {
            case .progress:
                continue
            case .needMoreCiphertext:
                return
            case .closeNotify:
                self.peerSentCloseNotify(context: context)
                return
            case .failed(let errors):
                self.fail(context: context, error: TLSError.protocolFailure(errors))
                return
            }
        }
    }

    private func peerSentCloseNotify(context: ChannelHandlerContext) {
        switch self.stateMachine.closeNotifyReceived() {
        case .replyThenClose:
            self.connection?.shutdown()
            self.sendCiphertext(context: context)
            context.close(promise: nil)
        case .ignore:
            break
        }
    }

    // MARK: Outbound

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let plaintext = self.unwrapOutboundIn(data)
        switch self.stateMachine.writeRequested() {
        case .buffer:
            self.bufferedWrites.append((plaintext, promise))
        case .encrypt:
            self.encrypt(context: context, plaintext, promise: promise)
        case .fail:
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    public func flush(context: ChannelHandlerContext) {
        switch self.stateMachine.flushRequested() {
        case .wait: break
        case .sendCiphertext: self.flushCiphertext(context: context)
        case .forward: context.flush()
        }
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        switch self.stateMachine.closeRequested(mode: mode) {
        case .forward:
            context.close(mode: mode, promise: promise)
        case .sendCloseNotifyThenClose:
            self.connection?.shutdown()
            self.sendCiphertext(context: context)
            context.close(mode: mode, promise: promise)
        case .abandonThenClose:
            self.cancelTimeout()
            self.failPendingWrites(ChannelError.ioOnClosedChannel)
            context.close(mode: mode, promise: promise)
        }
    }

    private func encrypt(context: ChannelHandlerContext, _ plaintext: ByteBuffer, promise: EventLoopPromise<Void>?) {
        guard let connection = self.connection else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        if plaintext.readableBytes > 0, case .failed(let errors) = connection.write(plaintext) {
            let error = TLSError.protocolFailure(errors)
            promise?.fail(error)
            self.fail(context: context, error: error)
            return
        }
        if let promise { self.encryptedPromises.append(promise) }
    }

    /// `sendCiphertext` now, or at the end of the read cycle (see `inReadCycle`).
    private func flushCiphertext(context: ChannelHandlerContext) {
        if self.inReadCycle, let connection = self.connection, connection.pendingCiphertextCount < Self.readCycleFlushLimit {
            self.flushDue = true
        } else {
            self.flushDue = false
            self.sendCiphertext(context: context)
        }
    }

    /// Drains the whole write BIO into one ByteBuffer and writes + flushes it, completing the promises
    /// of every write encrypted so far with that one downstream write.
    private func sendCiphertext(context: ChannelHandlerContext) {
        guard let connection = self.connection else { return }
        let promises = self.encryptedPromises
        self.encryptedPromises.removeAll()
        let count = connection.pendingCiphertextCount
        guard count > 0 else {
            for promise in promises { promise.succeed() }  // only empty writes were pending
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: count)
        connection.drainCiphertext(into: &buffer)
        connection.releaseIdleBuffers()
        context.writeAndFlush(self.wrapOutboundOut(buffer), promise: Self.combine(promises, on: context.eventLoop))
    }

    private static func combine(_ promises: [EventLoopPromise<Void>], on eventLoop: EventLoop) -> EventLoopPromise<Void>? {
        guard promises.count > 1 else { return promises.first }
        let combined = eventLoop.makePromise(of: Void.self)
        for promise in promises { combined.futureResult.cascade(to: promise) }
        return combined
    }

    private func failPendingWrites(_ error: Error) {
        let buffered = self.bufferedWrites
        let encrypted = self.encryptedPromises
        self.bufferedWrites.removeAll()
        self.encryptedPromises.removeAll()
        for write in buffered { write.promise?.fail(error) }
        for promise in encrypted { promise.fail(error) }
    }
}

// MARK: - Handshake

extension TLSHandler {
    private func startHandshake(context: ChannelHandlerContext) {
        if let timeout = self.handshakeTimeout {
            self.timeoutTask = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
                self?.handshakeTimedOut(context: context)
            }
        }
        self.advanceHandshake(context: context)
    }

    private func advanceHandshake(context: ChannelHandlerContext) {
        guard let connection = self.connection else { return }
        switch connection.doHandshake() {
        case .incomplete:
            self.flushCiphertext(context: context)
        case .complete:
            self.handshakeCompleted(context: context, connection: connection)
        case .failed(let errors):
            self.sendCiphertext(context: context)  // our alert tells the peer why
            self.fail(context: context, error: TLSError.handshakeFailed(errors))
        }
    }

    private func handshakeCompleted(context: ChannelHandlerContext, connection: TLSConnection) {
        guard case .announce = self.stateMachine.handshakeCompleted() else { return }
        self.cancelTimeout()
        // Encrypt what was written during the handshake, in order, before anyone can write more.
        let buffered = self.bufferedWrites
        self.bufferedWrites.removeAll()
        for write in buffered {
            self.encrypt(context: context, write.data, promise: write.promise)
        }
        guard self.stateMachine.state == .active else { return }
        // Our last handshake flight (and TLS 1.3 tickets) must go out now, together with that data (at the
        // end of this read cycle, with whatever the handlers above answer right away).
        self.flushCiphertext(context: context)
        context.fireUserInboundEventTriggered(
            TLSHandshakeCompleted(
                negotiatedProtocol: connection.negotiatedProtocol,
                serverName: connection.serverName,
                protocolVersion: connection.protocolVersion,
                cipher: connection.cipher
            )
        )
    }

    private func handshakeTimedOut(context: ChannelHandlerContext) {
        self.timeoutTask = nil
        guard self.stateMachine.handshakeTimedOut() else { return }
        self.fail(context: context, error: TLSError.handshakeTimeout)
    }

    private func cancelTimeout() {
        self.timeoutTask?.cancel()
        self.timeoutTask = nil
    }

    /// A fatal error: fail pending writes, tell the pipeline, close. Only the first error is reported.
    private func fail(context: ChannelHandlerContext, error: Error) {
        switch self.stateMachine.failed() {
        case .reportAndClose:
            self.cancelTimeout()
            self.failPendingWrites(error)
            context.fireErrorCaught(error)
            context.close(promise: nil)
        case .ignore:
            break
        }
    }
}

@available(*, unavailable)
extension TLSHandler: Sendable {}
