import GatewayLiveObjects
import Logging
import NIOCore
import NIOHTTP1

/// Serves one HTTP/1.1 connection (ALPN `http/1.1`, no ALPN, or plaintext without the HTTP/2 preface):
/// the same application and streams as HTTP/2, one request at a time, a stream as a chunked body.
public final class HTTP1ConnectionHandler: ChannelInboundHandler, StreamConnection, Flushable {
    public typealias InboundIn = HTTPServerRequestPart
    public typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer)
        /// The application's answer is not ready yet (a deferred response).
        case answering
        /// The request was answered early (too large); the rest of it is read and dropped, then we close.
        case discarding
        case streaming(any ResponseStream)
        case closed
    }

    /// Where NIO's HTTP/1.1 codec is: out of the pipeline while a stream runs (see `HTTP1Wire`).
    private enum CodecPlace {
        case installed
        /// Taken out; the decoder leaves on a later loop turn.
        case leaving
        case absent
    }

    private let services: ConnectionServices
    private var settings: ConnectionSettings { services.settings }
    private var loop: LoopServices { services.loop }
    private var logger: Logger { services.logger }
    private var accessLog: AccessLog { services.accessLog }
    private var state = State.idle
    private var context: ChannelHandlerContext?
    /// Event bytes skip NIO's HTTP handlers (see `HTTP1ChunkWriter`); nil without `HTTP1Wire` in the pipeline.
    private var chunkWriter: HTTP1ChunkWriter?
    /// Nil without one in the pipeline: then the codec stays in place for the connection's life.
    private var wire: HTTP1Wire?
    /// The channel's write-buffer high-water mark when it is within the outbound budget (see `queuedBytes`).
    private var writableBound: Int?
    /// Kept from `channelWritabilityChanged`, so counting queued bytes does not touch the channel.
    private var isWritable = true
    /// In the loop's current flush batch (see `FlushBatcher`).
    var flushState = FlushState.idle
    /// A paced drain asked this connection to end (`GoAwayEvent`): the running stream keeps flowing until
    /// the application ends it, then the connection closes instead of waiting for another request. Beside
    /// the other flags, so it fits in their padding: a million idle connections pay nothing for it.
    private var closeAfterStream = false
    private var codec = CodecPlace.installed
    /// A request part was decoded since the last `channelReadComplete`: a read that decoded none while
    /// between requests carried the start of a head the decoder is still holding.
    private var decodedPartThisRead = false
    /// The request-head and request-body deadlines (`RequestProgress`), checked by `requestTimer`.
    private var progress = RequestProgress()
    /// Made when a connection first receives a request, so a connection that never does holds none.
    private var requestTimer: DeadlineTimer?
    /// Closes a keep-alive connection that sits between requests for `http1.idle_timeout`.
    private var idleTimer: IdleTimer?

    public init(application: @escaping ApplicationSource, loop: LoopServices, connection: ConnectionInfo, logger: Logger) {
        services = ConnectionServices(application: application, loop: loop, connection: connection, speaking: .http1, logger: logger)
        LiveObjects.http1ConnectionHandlers.created()
    }

    deinit {
        LiveObjects.http1ConnectionHandlers.destroyed()
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        chunkWriter = HTTP1ChunkWriter(pipeline: context.pipeline.syncOperations, scratch: loop.chunkScratch)
        wire = try? context.pipeline.syncOperations.handler(type: HTTP1Wire.self)
        if let high = try? context.channel.syncOptions?.getOption(.writeBufferWaterMark).high, high <= settings.outboundBudget {
            writableBound = high
        }
        isWritable = context.channel.isWritable
        becameIdle()
    }

    /// The connection waits for a request: the idle timer counts from now. The timer is made here when the
    /// connection has none (it is dropped while a stream runs), and never once the connection is closing.
    private func becameIdle() {
        guard let context else { return }
        if case .closed = state { return }
        if idleTimer == nil {
            idleTimer = IdleTimer(eventLoop: context.eventLoop, timeout: settings.http1.idleTimeout) {
                self.state = .closed
                self.context?.close(promise: nil)
            }
        }
        idleTimer?.becameIdle()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        endStream(.clientClosed)
        releaseTimers()
        self.context = nil
        chunkWriter = nil
        wire = nil
    }

    public func channelInactive(context: ChannelHandlerContext) {
        chunkWriter?.discard()
        endStream(.clientClosed)
        state = .closed
        releaseTimers()
        context.fireChannelInactive()
    }

    /// The idle timer's closure holds this handler and the handler holds the timer: a cycle that cancelling
    /// alone does not break (cancel drops the scheduled task, not the timer's closure), so every closed
    /// connection's handler stayed alive. Dropping the timer when the connection goes breaks it.
    private func releaseTimers() {
        idleTimer?.cancel()
        idleTimer = nil
        requestTimer?.cancel()
        requestTimer = nil  // its check holds this handler
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        isWritable = context.channel.isWritable
        // Once per transition, not per event: the socket stopped taking bytes, so a stall may begin now.
        // Told on the next loop turn: this event can fire inside a write of the stream's own bytes (NIO
        // reports writability on `write`), and the stream then reads the queue being written.
        if !isWritable, case .streaming = state {
            context.eventLoop.assumeIsolated().execute {
                if !self.isWritable, case .streaming(let stream) = self.state { stream.outboundBlocked() }
            }
        }
        context.fireChannelWritabilityChanged()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        endStream(.clientClosed)
        state = .closed
        context.close(promise: nil)
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is DrainEvent {
            // End the stream (chunked terminator) and close: the client reconnects elsewhere.
            if case .streaming(let stream) = state {
                stream.end(.draining)
                accessLog.streamClosed(stream)
                state = .closed
                endBodyAndClose(context)
            } else if case .idle = state {
                context.close(promise: nil)
            }
        }
        if event is GoAwayEvent {
            // HTTP/1.1 has no GOAWAY: an idle keep-alive connection closes now, a streaming one after its stream.
            closeAfterStream = true
            if case .idle = state {
                state = .closed
                context.close(promise: nil)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        if !decodedPartThisRead, case .idle = state {
            progress.headBytesArrived(at: loop.eventLoop.now)
            watchRequest()
        }
        decodedPartThisRead = false
        context.fireChannelReadComplete()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        decodedPartThisRead = true
        guard codec == .installed else {
            // Decoded by a decoder on its way out (what it still held when a stream began): the client sent
            // a second request behind the stream's, and there is no encoder left to answer it with.
            endStream(.clientClosed)
            state = .closed
            context.close(promise: nil)
            return
        }
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .idle):
            idleTimer?.becameBusy()
            progress.headReceived(at: loop.eventLoop.now)
            watchRequest()
            let headBytes = head.headers.reduce(head.uri.utf8.count) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
            if headBytes > settings.maxRequestHeadBytes {
                reject(HTTPError(431, .headersTooLarge, "the request head is larger than \(settings.maxRequestHeadBytes) bytes"), head: head)
                return
            }
            state = .receiving(head, context.channel.allocator.buffer(capacity: 0))
        case (.body(var chunk), .receiving(let head, var body)):
            progress.bodyBytesArrived(at: loop.eventLoop.now)
            guard body.readableBytes + chunk.readableBytes <= settings.maxRequestBodyBytes else {
                reject(.bodyTooLarge(limit: settings.maxRequestBodyBytes), head: head)
                return
            }
            state = .idle  // drop the reference so `body` stays uniquely owned while it grows
            body.writeBuffer(&chunk)
            state = .receiving(head, body)
        case (.end, .receiving(let head, let body)):
            state = .answering
            progress.completed()
            handle(head: head, body: body)
        case (.body, .discarding):
            progress.bodyBytesArrived(at: loop.eventLoop.now)
        case (.end, .discarding):
            progress.completed()
            context.close(promise: nil)
        case (_, .discarding), (_, .closed):
            break
        case (_, .streaming), (_, .idle), (_, .receiving), (_, .answering):
            // A second request while an answer or stream runs, or parts out of order: not a client we serve.
            endStream(.clientClosed)
            state = .closed
            context.close(promise: nil)
        }
    }

    // MARK: Request deadlines

    /// Makes sure the request timer looks at the current phase's deadline in time.
    private func watchRequest() {
        guard let deadline = progress.deadline(headTimeout: headTimeout, bodyTimeout: bodyTimeout) else { return }
        if requestTimer == nil {
            requestTimer = DeadlineTimer(eventLoop: loop.eventLoop) { self.checkRequestDeadline() }
        }
        requestTimer!.arm(at: deadline)
    }

    private var headTimeout: TimeAmount { TimeAmount(settings.requestHeadTimeout) }
    private var bodyTimeout: TimeAmount { TimeAmount(settings.requestBodyTimeout) }

    /// Closes the connection when its head or body ran out of time; otherwise says when to look again.
    private func checkRequestDeadline() -> NIODeadline? {
        guard let expired = progress.expired(at: loop.eventLoop.now, headTimeout: headTimeout, bodyTimeout: bodyTimeout) else {
            return progress.deadline(headTimeout: headTimeout, bodyTimeout: bodyTimeout)
        }
        let timeout = expired == .requestHead ? settings.requestHeadTimeout : settings.requestBodyTimeout
        expired.reached(logger, ended: "HTTP/1.1 connection", metadata: ["timeout": "\(timeout)"])
        progress.completed()
        state = .closed
        context?.close(promise: nil)
        return nil
    }

    private func handle(head: HTTPRequestHead, body: ByteBuffer) {
        let headers = head.headers.map { (name: $0.name.lowercased(), value: $0.value) }
        let request = Request(method: head.method, target: head.uri, headers: headers, body: body, connection: services.connection)
        let response = services.respond(to: request)
        ReadyResponse.resolve(response, method: head.method, adding: services.responseHeaders, on: loop.eventLoop) { ready in self.answer(ready, head: head) }
    }

    private func answer(_ response: ReadyResponse, head: HTTPRequestHead) {
        guard let context, case .answering = state else { return }
        switch response {
        case .complete(let status, let headers, let body):
            let keepAlive = head.isKeepAlive
            let written = writeComplete(status: status, headers: headers + (keepAlive ? [] : [("connection", "close")]), body: body, version: head.version)
            if keepAlive {
                state = .idle
                becameIdle()
            } else {
                state = .closed
                written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            }
            accessLog.request(method: head.method, target: head.uri, status: status, bytes: response.bodyBytes, route: services.route(for: head.uri))
        case .stream(let opener, let headers):
            var responseHead = HTTPResponseHead(version: head.version, status: .ok)
            for (name, value) in headers { responseHead.headers.add(name: name, value: value) }
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            // HTTP/1.0 has no chunked coding (NIO's encoder sends the head without it): the body ends with
            // the connection.
            let chunked = head.version.major > 1 || head.version.minor >= 1
            chunkWriter?.startBody(chunked: chunked)
            if !chunked { closeAfterStream = true }
            let writer = StreamWriter(connection: self, loop: loop, slot: StreamSlot(rawValue: 0), outboundBudget: settings.outboundBudget)
            let stream = opener.open(writer, loop: loop)
            state = .streaming(stream)
            // Neither timer has anything to check while the stream runs (the request is complete), and a
            // stream can run for hours: both go (~180 bytes a connection); `becameIdle` and `watchRequest`
            // make them again when the stream ends.
            releaseTimers()
            stream.start()
            // On the next loop turn: this may run inside the decoder's own read (an answer made at once).
            if wire != nil { loop.eventLoop.assumeIsolated().execute { self.takeCodecOut() } }
        }
    }

    // MARK: The codec while a stream runs

    private func takeCodecOut() {
        guard case .streaming = state, codec == .installed, let context, let wire else { return }
        codec = .leaving
        wire.refusesBytes = true
        HTTP1Codec.remove(context.pipeline.syncOperations).assumeIsolated().whenComplete { _ in
            self.codec = .absent
            if case .idle = self.state { self.putCodecBack() }  // the stream ended while the decoder left
        }
    }

    /// A fresh codec for the connection's next request.
    private func putCodecBack() {
        guard codec == .absent, let context, let wire else { return }
        do {
            try HTTP1Codec.install(context.pipeline.syncOperations, above: wire)
            codec = .installed
            wire.refusesBytes = false
        } catch {
            logger.debug("cannot restore the HTTP/1.1 codec", metadata: ["error": "\(error)"])
            state = .closed
            context.close(promise: nil)
        }
    }

    /// Writes what is queued and the body's last chunk (through the encoder when it is in place).
    private func writeEndOfBody(_ context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        guard codec != .installed, chunkWriter != nil else {
            chunkWriter?.writePending()
            context.write(wrapOutboundOut(.end(nil)), promise: promise)
            return
        }
        chunkWriter!.writeLastChunk(promise: promise)
    }

    /// Ends the body, flushes, and closes once it is written.
    private func endBodyAndClose(_ context: ChannelHandlerContext) {
        let written = context.eventLoop.makePromise(of: Void.self)
        writeEndOfBody(context, promise: written)
        context.flush()
        written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// Writes a whole response; the future completes when its end is written.
    private func writeComplete(status: Int, headers: [(name: String, value: String)], body: ByteBuffer?, version: HTTPVersion) -> EventLoopFuture<Void> {
        guard let context else { return loop.eventLoop.makeSucceededVoidFuture() }
        var responseHead = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: status))
        for (name, value) in headers { responseHead.headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        return context.writeAndFlush(wrapOutboundOut(.end(nil)))
    }

    /// Answers at once and closes after the answer: the rest of an oversized request is not worth reading.
    private func reject(_ error: HTTPError, head: HTTPRequestHead) {
        guard let context else { return }
        state = .discarding
        ReadyResponse.resolve(error.response, method: head.method, adding: services.responseHeaders, on: loop.eventLoop) { ready in
            guard case .complete(let status, let headers, let body) = ready else { return }
            self.writeComplete(status: status, headers: headers + [("connection", "close")], body: body, version: head.version)
                .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            self.accessLog.request(method: head.method, target: head.uri, status: status, bytes: ready.bodyBytes, route: self.services.route(for: head.uri))
        }
    }

    private func endStream(_ reason: StreamEndReason) {
        guard case .streaming(let stream) = state else { return }
        stream.end(reason)
        accessLog.streamClosed(stream)
        state = .closed
    }

    // MARK: StreamConnection

    /// Nothing to load ahead: the connection's one stream is this handler, which the fan-out's prefetch of
    /// the stream object does not reach, and its write goes through NIO's pipeline and OpenSSL whatever is
    /// in the cache (one write per delivery; BENCHMARKS.md, "Prefetching what the next deliveries touch").
    @usableFromInline
    func prepareWrite(_ slot: StreamSlot) {}

    @usableFromInline
    func enqueue(_ bytes: ByteBuffer, slot: StreamSlot) -> Int {
        if chunkWriter != nil {
            chunkWriter!.append(bytes)
        } else {
            context?.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
        }
        return queuedBytes()
    }

    /// Bytes the socket has not taken yet (framed here, or buffered by NIO): on HTTP/1.1 the connection is
    /// the stream.
    ///
    /// While the channel is writable NIO holds at most its high-water mark; when that plus what is framed
    /// here is within the budget, that sum is returned: the answer to "over budget?" is the same, and the
    /// exact count is a generic option lookup (several dynamic casts) on every event.
    private func queuedBytes() -> Int {
        let framed = chunkWriter?.pendingBytes ?? 0
        if let writableBound, isWritable, framed + writableBound <= settings.outboundBudget { return framed + writableBound }
        guard let channel = context?.channel else { return framed }
        return framed + ((try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0)
    }

    @usableFromInline
    func abortSlowStream(_ slot: StreamSlot) {
        logger.info("ending slow stream", metadata: ["budget": "\(settings.outboundBudget)"])
        if case .streaming(let stream) = state {
            stream.end(.slowConsumer)
            accessLog.streamClosed(stream)
        }
        chunkWriter?.discard()
        state = .closed
        context?.close(promise: nil)
    }

    @usableFromInline
    func unsentBytes(_ slot: StreamSlot) -> Int {
        let framed = chunkWriter?.pendingBytes ?? 0
        guard let channel = context?.channel else { return framed }
        return framed + ((try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0)
    }

    @usableFromInline
    func endStalledStream(_ slot: StreamSlot) {
        EdgeDeadline.streamStall.reached(logger, ended: "HTTP/1.1 connection")
        if case .streaming(let stream) = state {
            stream.end(.stalled)
            accessLog.streamClosed(stream)
        }
        chunkWriter?.discard()
        state = .closed
        context?.close(promise: nil)
    }

    /// The chunked body ends; the connection stays open for the client's next request (its reconnect).
    @usableFromInline
    func finishStream(_ slot: StreamSlot) {
        guard let context, case .streaming(let stream) = state else { return }
        accessLog.streamClosed(stream)
        state = .idle
        guard !closeAfterStream else {
            state = .closed
            endBodyAndClose(context)
            return
        }
        writeEndOfBody(context, promise: nil)
        putCodecBack()  // when it is still leaving, it comes back as soon as the decoder has left
        becameIdle()
        requestFlush()
    }

    @usableFromInline
    func requestFlush() {
        // Checked here first: every write of every stream asks, and most find the flush already requested.
        if !flushState.isWaiting { loop.flushes.request(self) }
    }

    func flushNow() {
        guard chunkWriter != nil else {
            context?.flush()
            return
        }
        // Sent from a copy: the flush can hit a reset connection and close the channel at once, and
        // `channelInactive` then discards `chunkWriter`, a modification that must not overlap an access
        // still open here (Swift's exclusivity rule; it crashed when clients reset with output queued).
        let chunks = chunkWriter!.takePending()
        let writer = chunkWriter!
        writer.send(chunks)
    }
}
