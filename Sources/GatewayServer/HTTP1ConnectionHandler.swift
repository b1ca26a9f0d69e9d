import Logging
import NIOCore
import NIOHTTP1

/// Serves one HTTP/1.1 connection (ALPN `http/1.1`, no ALPN, or plaintext without the HTTP/2 preface):
/// the same router and event streams as HTTP/2, one request at a time, an event stream as a chunked body.
final class HTTP1ConnectionHandler: ChannelInboundHandler, StreamConnection, Flushable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer)
        /// The request was answered early (too large); the rest of it is read and dropped, then we close.
        case discarding
        case streaming(EventStream)
        case closed
    }

    private let services: ServerServices
    private let loop: LoopContext
    private let trusted: Bool
    private let logger: Logger
    private var state = State.idle
    private var context: ChannelHandlerContext?
    /// Event bytes skip NIO's HTTP handlers (see `HTTP1ChunkWriter`); nil without an encoder in the pipeline.
    private var chunkWriter: HTTP1ChunkWriter?
    /// The channel's write-buffer high-water mark when it is within the outbound budget (see `queuedBytes`).
    private var writableBound: Int?
    private let outboundBudget: Int
    /// Kept from `channelWritabilityChanged`, so counting queued bytes does not touch the channel.
    private var isWritable = true
    private var flushRequested = false
    /// Closes a keep-alive connection that sits between requests for `http2.idle_timeout` (the same limit
    /// as an HTTP/2 connection without streams), so idle sockets cannot pile up. Requests do not cancel
    /// it: when it fires it checks that the connection has been idle since `idleSince` for the whole
    /// timeout, and otherwise waits for the rest (or, while a request or stream runs, stops until that
    /// ends). Cancelling and scheduling a timer for every request of a busy publish connection was a
    /// measurable share of a publish.
    private var idleTimer: Scheduled<Void>?
    private var idleSince = NIODeadline.now()
    private let idleTimeout: TimeAmount

    init(services: ServerServices, loop: LoopContext, trusted: Bool, logger: Logger) {
        self.services = services
        self.loop = loop
        self.trusted = trusted
        self.logger = logger
        self.outboundBudget = services.configuration.streams.outboundBudget
        self.idleTimeout = TimeAmount(services.configuration.http2.idleTimeout)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        chunkWriter = HTTP1ChunkWriter(pipeline: context.pipeline.syncOperations)
        if let high = try? context.channel.syncOptions?.getOption(.writeBufferWaterMark).high, high <= outboundBudget {
            writableBound = high
        }
        isWritable = context.channel.isWritable
        armIdleTimer()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        endStream(.clientClosed)
        idleTimer?.cancel()
        self.context = nil
        chunkWriter = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        chunkWriter?.discard()
        endStream(.clientClosed)
        state = .closed
        idleTimer?.cancel()
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        isWritable = context.channel.isWritable
        context.fireChannelWritabilityChanged()
    }

    /// The connection is idle from now on.
    private func armIdleTimer() {
        idleSince = .now()
        if idleTimer == nil { scheduleIdleCheck(at: idleSince + idleTimeout) }
    }

    private func scheduleIdleCheck(at deadline: NIODeadline) {
        guard let context else { return }
        // Strong capture (the timer is cancelled or fires): no side table on the handler.
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { self.idleTimerFired() }
    }

    private func idleTimerFired() {
        idleTimer = nil
        guard case .idle = state else { return }  // a request or stream runs; its end arms the timer again
        let deadline = idleSince + idleTimeout
        if deadline > .now() {
            scheduleIdleCheck(at: deadline)
        } else {
            state = .closed
            context?.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        endStream(.clientClosed)
        state = .closed
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is DrainEvent {
            // End the stream (chunked terminator) and close: the client reconnects elsewhere.
            if case .streaming(let stream) = state {
                stream.end(.draining)
                logStreamClosed(stream)
                state = .closed
                chunkWriter?.writePending()
                context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            } else if case .idle = state {
                context.close(promise: nil)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .idle):
            let headBytes = head.headers.reduce(head.uri.utf8.count) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
            if headBytes > services.configuration.limits.maxRequestHeadBytes {
                reject(.error(431, "headers_too_large", "the request head is larger than \(services.configuration.limits.maxRequestHeadBytes) bytes"), head: head)
                return
            }
            state = .receiving(head, context.channel.allocator.buffer(capacity: 0))
        case (.body(var chunk), .receiving(let head, var body)):
            let limit = services.configuration.publish.maxBodyBytes
            guard body.readableBytes + chunk.readableBytes <= limit else {
                reject(RequestHandler.bodyTooLarge(limit: limit), head: head)
                return
            }
            state = .idle  // drop the reference so `body` stays uniquely owned while it grows
            body.writeBuffer(&chunk)
            state = .receiving(head, body)
        case (.end, .receiving(let head, let body)):
            state = .idle
            handle(head: head, body: body)
        case (.end, .discarding):
            context.close(promise: nil)
        case (_, .discarding), (_, .closed):
            break
        case (_, .streaming), (_, .idle), (_, .receiving):
            // A second request while an event stream runs, or parts out of order: not a client we can serve.
            endStream(.clientClosed)
            state = .closed
            context.close(promise: nil)
        }
    }

    private func handle(head: HTTPRequestHead, body: ByteBuffer) {
        guard let context else { return }
        let headers = head.headers.map { (name: $0.name.lowercased(), value: $0.value) }
        let request = GatewayRequest(method: head.method.rawValue, target: head.uri, headers: headers, body: body, trustedListener: trusted)
        switch services.requestHandler.handle(request) {
        case .complete(let status, let headers, let body):
            var responseHead = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: status))
            for (name, value) in headers { responseHead.headers.add(name: name, value: value) }
            responseHead.headers.add(name: "content-length", value: String(body.readableBytes))
            let keepAlive = head.isKeepAlive
            if !keepAlive { responseHead.headers.add(name: "connection", value: "close") }
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            if head.method != .HEAD, body.readableBytes > 0 {
                context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            }
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if keepAlive {
                armIdleTimer()
            } else {
                done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            }
            accessLog(head: head, status: status, bytes: body.readableBytes)
        case .eventStream(let plan):
            var responseHead = HTTPResponseHead(version: head.version, status: .ok)
            for (name, value) in EventStreamPlan.headers { responseHead.headers.add(name: name, value: value) }
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            let stream = EventStream(connection: self, loop: loop, streamID: 0, plan: plan)
            state = .streaming(stream)
            stream.start(hub: services.hub)
        }
    }

    /// Answers at once and closes after the answer: the rest of an oversized request is not worth reading.
    private func reject(_ response: GatewayResponse, head: HTTPRequestHead) {
        guard let context, case .complete(let status, let headers, let body) = response else { return }
        state = .discarding
        var responseHead = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: status))
        for (name, value) in headers { responseHead.headers.add(name: name, value: value) }
        responseHead.headers.add(name: "content-length", value: String(body.readableBytes))
        responseHead.headers.add(name: "connection", value: "close")
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        accessLog(head: head, status: status, bytes: body.readableBytes)
    }

    private func endStream(_ reason: EventStream.EndReason) {
        guard case .streaming(let stream) = state else { return }
        stream.end(reason)
        logStreamClosed(stream)
        state = .closed
    }

    // MARK: StreamConnection

    func enqueue(_ bytes: ByteBuffer, stream: Int32) -> Int {
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
        if let writableBound, isWritable, framed + writableBound <= outboundBudget { return framed + writableBound }
        guard let channel = context?.channel else { return framed }
        return framed + ((try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0)
    }

    func abortSlowStream(_ stream: Int32) {
        logger.info("ending slow stream", metadata: ["budget": "\(services.configuration.streams.outboundBudget)"])
        if case .streaming(let stream) = state { logStreamClosed(stream) }
        chunkWriter?.discard()
        state = .closed
        context?.close(promise: nil)
    }

    /// The chunked body ends; the connection stays open for the client's next request (its reconnect).
    func finishStream(_ stream: Int32) {
        guard let context, case .streaming(let eventStream) = state else { return }
        logStreamClosed(eventStream)
        state = .idle
        chunkWriter?.writePending()
        context.write(wrapOutboundOut(.end(nil)), promise: nil)
        armIdleTimer()
        requestFlush()
    }

    func requestFlush() {
        guard !flushRequested else { return }
        flushRequested = true
        loop.flushes.schedule(self)
    }

    func flushNow() {
        flushRequested = false
        if chunkWriter != nil { chunkWriter!.flush() } else { context?.flush() }
    }

    // MARK: Logging

    private func accessLog(head: HTTPRequestHead, status: Int, bytes: Int) {
        guard services.configuration.logging.accessLog else { return }
        logger.info("request", metadata: [
            "protocol": "http/1.1", "method": "\(head.method.rawValue)", "path": "\(head.uri)", "status": "\(status)", "bytes": "\(bytes)",
        ])
    }

    private func logStreamClosed(_ stream: EventStream) {
        guard services.configuration.logging.accessLog else { return }
        logger.info("stream closed", metadata: stream.accessLogMetadata(protocol: "http/1.1"))
    }
}
