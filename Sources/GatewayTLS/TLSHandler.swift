import GatewayLiveObjects
import NIOCore

/// TLS over OpenSSL memory BIOs as a NIO handler: ciphertext below, plaintext above.
///
/// Maintainer note on batching: `write` only collects plaintext; `flush` encrypts everything collected
/// with ONE `SSL_write` and takes all its ciphertext as ONE ByteBuffer (see `CiphertextSink`). So N writes and one flush leave
/// as one TLS record (per 16 KiB) in exactly one downstream write, which the HTTP/2 layer relies on
/// ("frames of many streams leave in one TLS write per batch"). Each `SSL_write` is a record with its own
/// header, tag and cipher setup (OpenSSL 3 does several parameter lookups per record), so small writes
/// must not each become one: NIO's HTTP/1.1 encoder alone makes three per body part. Writes made before
/// the handshake completes are kept as plaintext and encrypted, in order, once it does; the lifecycle
/// rules live in `TLSHandlerStateMachine`.
public final class TLSHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private enum Role {
        case server(TLSServerContext, largeWrites: LargeWriteBuffer?)
        case client(TLSClientContext, serverName: String?, session: TLSSession?)
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
    /// An array, not a `CircularBuffer`: an empty array holds no storage, and almost no connection writes
    /// before its handshake, while a circular buffer allocates even when empty (again on each `removeAll`):
    /// 64 bytes kept by every connection.
    private var bufferedWrites: [(data: ByteBuffer, promise: EventLoopPromise<Void>?)] = []
    /// The channel's allocator, kept at `handlerAdded`: reaching it through the context on every send
    /// costs a few retains of cold objects per write.
    private var allocator = ByteBufferAllocator()
    /// Plaintext written since the last send, not yet encrypted (nil when there is none, so an idle
    /// connection holds no buffer). The first write is kept by reference; later ones are appended.
    private var unencrypted: ByteBuffer?
    /// Promises of writes collected in `unencrypted` or encrypted into the write BIO, completed by the
    /// next downstream write.
    private var pendingPromises: [EventLoopPromise<Void>] = []
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

    /// A server-side handler; SNI picks the certificate, ALPN the protocol. `largeWrites` is the event
    /// loop's reusable buffer for large ciphertext (the channel's loop's own: it is not thread-safe).
    public init(context: TLSServerContext, handshakeTimeout: TimeAmount? = .seconds(10), largeWrites: LargeWriteBuffer? = nil) {
        self.role = .server(context, largeWrites: largeWrites)
        self.handshakeTimeout = handshakeTimeout
        LiveObjects.tlsHandlers.created()
    }

    /// A client-side handler. `serverName` is sent as SNI and checked against the certificate (an IP
    /// literal is checked against IP SANs and not sent); nil checks the chain only. `session` (from an
    /// earlier connection's `resumableSession`) is offered for resumption.
    public init(context: TLSClientContext, serverName: String?, resuming session: TLSSession? = nil,
                handshakeTimeout: TimeAmount? = .seconds(10)) {
        self.role = .client(context, serverName: serverName, session: session)
        self.handshakeTimeout = handshakeTimeout
        LiveObjects.tlsHandlers.created()
    }

    deinit {
        LiveObjects.tlsHandlers.destroyed()
    }

    /// Client side: the session to offer on the next connection to this server, once it has sent one (in
    /// TLS 1.3, a ticket after the handshake); nil before then, or once the handler is removed. Read it on
    /// the channel's event loop.
    public var resumableSession: TLSSession? {
        self.connection?.resumableSession
    }

    // MARK: Lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        self.allocator = context.channel.allocator
        do {
            switch self.role {
            case .server(let serverContext, let largeWrites):
                self.connection = try TLSConnection(server: serverContext, largeWrites: largeWrites)
            case .client(let clientContext, let serverName, let session):
                self.connection = try TLSConnection(client: clientContext, serverName: serverName, resuming: session)
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
        var buffer = self.allocator.buffer(capacity: chunkSize)
        while self.stateMachine.state == .active {
            let result = connection.read(into: &buffer)
            if case .progress = result, buffer.writableBytes > 0 { continue }
            if buffer.readableBytes > 0 {
                context.fireChannelRead(self.wrapInboundOut(buffer))
                buffer = self.allocator.buffer(capacity: chunkSize)
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
            self.encryptUnencrypted(context: context)
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
            self.collect(plaintext, promise: promise, context: context)
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
            self.encryptUnencrypted(context: context)
            self.connection?.shutdown()
            self.sendCiphertext(context: context)
            context.close(mode: mode, promise: promise)
        case .abandonThenClose:
            self.cancelTimeout()
            self.failPendingWrites(ChannelError.ioOnClosedChannel)
            context.close(mode: mode, promise: promise)
        }
    }

    /// Keeps plaintext for the next send. A write of a full record or more is encrypted at once instead
    /// (after what was collected before it): appending it would copy it to save nothing.
    private func collect(_ plaintext: ByteBuffer, promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) {
        if let promise { self.pendingPromises.append(promise) }
        guard plaintext.readableBytes > 0 else { return }
        if plaintext.readableBytes >= Self.maximumPlaintextChunk {
            guard self.encryptUnencrypted(context: context) else { return }
            self.unencrypted = plaintext
            self.encryptUnencrypted(context: context)
        } else if self.unencrypted == nil {
            self.unencrypted = plaintext
        } else {
            self.unencrypted!.writeImmutableBuffer(plaintext)
        }
    }

    /// `sendCiphertext` now, or at the end of the read cycle (see `inReadCycle`).
    private func flushCiphertext(context: ChannelHandlerContext) {
        let pending = (self.connection?.pendingCiphertextCount ?? 0) + (self.unencrypted?.readableBytes ?? 0)
        if self.inReadCycle, pending < Self.readCycleFlushLimit {
            self.flushDue = true
        } else {
            self.flushDue = false
            self.sendCiphertext(context: context)
        }
    }

    /// Encrypts everything collected since the last send as one `SSL_write` (one record per 16 KiB).
    /// False when encryption failed: the handler has then failed the pending writes and is closing.
    @discardableResult
    private func encryptUnencrypted(context: ChannelHandlerContext) -> Bool {
        guard let plaintext = self.unencrypted, let connection = self.connection else { return true }
        self.unencrypted = nil
        if case .failed(let errors) = connection.write(plaintext) {
            self.fail(context: context, error: TLSError.protocolFailure(errors))
            return false
        }
        return true
    }

    /// Encrypts what was collected, takes all its ciphertext as one ByteBuffer and writes + flushes
    /// it, completing the promises of every write so far with that one downstream write.
    private func sendCiphertext(context: ChannelHandlerContext) {
        guard self.encryptUnencrypted(context: context), let connection = self.connection else { return }
        let promises = self.pendingPromises
        self.pendingPromises.removeAll()
        guard let buffer = connection.takeCiphertext() else {
            for promise in promises { promise.succeed() }  // only empty writes were pending
            return
        }
        context.writeAndFlush(self.wrapOutboundOut(buffer), promise: Self.combine(promises, on: context))
    }

    private static func combine(_ promises: [EventLoopPromise<Void>], on context: ChannelHandlerContext) -> EventLoopPromise<Void>? {
        guard promises.count > 1 else { return promises.first }
        let combined = context.eventLoop.makePromise(of: Void.self)
        for promise in promises { combined.futureResult.cascade(to: promise) }
        return combined
    }

    private func failPendingWrites(_ error: Error) {
        let buffered = self.bufferedWrites
        let pending = self.pendingPromises
        self.bufferedWrites.removeAll()
        self.unencrypted = nil
        self.pendingPromises.removeAll()
        for write in buffered { write.promise?.fail(error) }
        for promise in pending { promise.fail(error) }
    }
}

// MARK: - Handshake

extension TLSHandler {
    private func startHandshake(context: ChannelHandlerContext) {
        if let timeout = self.handshakeTimeout {
            // Strong capture (the timer is cancelled when the handshake ends, or fires): a weak reference
            // would give the handler a side table and make every later retain of it take the slow path,
            // and the pipeline retains it on every write and flush.
            self.timeoutTask = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
                self.handshakeTimedOut(context: context)
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
        // Queue what was written during the handshake, in order, before anyone can write more.
        let buffered = self.bufferedWrites
        self.bufferedWrites.removeAll()
        for write in buffered {
            self.collect(write.data, promise: write.promise, context: context)
        }
        // Our last handshake flight (and TLS 1.3 tickets) must go out now, together with that data (at the
        // end of this read cycle, with whatever the handlers above answer right away).
        self.flushCiphertext(context: context)
        guard self.stateMachine.state == .active else { return }
        if case .server = self.role, connection.negotiatedProtocol == ALPNProtocols.acmeTLS1 {
            // An ACME TLS-ALPN-01 validation: the handshake was the answer, and RFC 8737 §3 has the server
            // close once it is done. The handlers above never hear of it.
            self.close(context: context, mode: .all, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(
            TLSHandshakeCompleted(
                negotiatedProtocol: connection.negotiatedProtocol,
                serverName: connection.serverName,
                protocolVersion: connection.protocolVersion,
                cipher: connection.cipher,
                sessionReused: connection.sessionReused
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
