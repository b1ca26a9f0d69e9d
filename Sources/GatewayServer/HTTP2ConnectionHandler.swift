import GatewayHTTP2
import Logging
import NIOCore

/// Serves one HTTP/2 connection: feeds bytes to the nghttp2 session, answers its requests, runs its event
/// streams, and writes the session's output in one write per batch.
///
/// Maintainer note: the session only records events while nghttp2 runs; this handler acts on them after
/// `receive`/`collectOutput` return (`handleSessionEvents`), so answering a request never re-enters nghttp2.
/// Output is pulled by `flushNow`, which the loop's `FlushBatcher` calls at most once per task, so a
/// publish that reaches 100 streams of this connection leaves as one TLS record batch and one socket write.
final class HTTP2ConnectionHandler: ChannelInboundHandler, StreamConnection, Flushable, IdleMemoryHolder {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Most bytes pulled from nghttp2 for one write; bounds memory per connection while still batching.
    private static let maxBytesPerWrite = 256 * 1024

    private let services: ServerServices
    private let loop: LoopContext
    private let trusted: Bool
    private var logger: Logger
    private var session: HTTP2ServerSession?
    private var context: ChannelHandlerContext?
    private var streams: [Int32: EventStream] = [:]
    private var flushRequested = false
    private var idleTimer: Scheduled<Void>?
    private var closing = false
    /// Registered with the loop's `IdleMemorySweeper` since our last write.
    private var idleMemoryTracked = false

    init(services: ServerServices, loop: LoopContext, trusted: Bool, logger: Logger) {
        self.services = services
        self.loop = loop
        self.trusted = trusted
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        do {
            session = try HTTP2ServerSession(settings: services.http2Settings)
        } catch {
            logger.error("cannot create HTTP/2 session", metadata: ["error": "\(error)"])
            context.close(promise: nil)
            return
        }
        logger.debug("HTTP/2 connection")
        armIdleTimer()
        flushNow()  // our SETTINGS go out at once (RFC 9113 §3.4)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        endAllStreams(.clientClosed)
        idleTimer?.cancel()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session, !closing else { return }
        do {
            try session.receive(unwrapInboundIn(data))
        } catch {
            fail(error)
            return
        }
        handleSessionEvents()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushNow()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { flushNow() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        endAllStreams(.clientClosed)
        idleTimer?.cancel()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is DrainEvent { drain() }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Session events

    private func handleSessionEvents() {
        guard let session else { return }
        for event in session.takeEvents() {
            switch event {
            case .request(let id, let request):
                respond(to: request, on: id)
            case .streamClosed(let id, let errorCode):
                streamClosed(id, errorCode: errorCode)
            case .goAwayReceived:
                logger.debug("client sent GOAWAY")
            }
        }
    }

    private func respond(to request: HTTP2Request, on id: HTTP2StreamID) {
        guard let session else { return }
        idleTimer?.cancel()
        idleTimer = nil
        if let problem = request.problem {
            let response: GatewayResponse = switch problem {
            case .bodyTooLarge: RequestHandler.bodyTooLarge(limit: services.configuration.publish.maxBodyBytes)
            case .headerListTooLarge: .error(431, "headers_too_large", "the request headers are larger than \(services.configuration.http2.maxHeaderListSize) bytes or more than \(services.configuration.http2.maxHeaderCount) fields")
            }
            answer(response, request: request, on: id, session: session)
            return
        }
        let gatewayRequest = GatewayRequest(method: request.method, target: request.path, headers: request.headers, body: request.body, trustedListener: trusted)
        answer(services.requestHandler.handle(gatewayRequest), request: request, on: id, session: session)
    }

    private func answer(_ response: GatewayResponse, request: HTTP2Request, on id: HTTP2StreamID, session: HTTP2ServerSession) {
        switch response {
        case .complete(let status, let headers, let body):
            let bodyPart: HTTP2ResponseBody = request.method == "HEAD" || body.readableBytes == 0 ? .empty : .bytes(body)
            session.respond(to: id, status: status, headers: headers + [("content-length", String(body.readableBytes))], body: bodyPart)
            accessLog(request: request, status: status, bytes: body.readableBytes)
        case .eventStream(let plan):
            session.respond(to: id, status: 200, headers: EventStreamPlan.headers, body: .streaming)
            let stream = EventStream(connection: self, loop: loop, streamID: id.rawValue, plan: plan)
            streams[id.rawValue] = stream
            stream.start(hub: services.hub)
            if closing { endStream(stream, reason: .draining) }
        }
        requestFlush()
    }

    private func streamClosed(_ id: HTTP2StreamID, errorCode: UInt32) {
        if let stream = streams.removeValue(forKey: id.rawValue) {
            stream.end(.clientClosed)
            logStreamClosed(stream, errorCode: errorCode)
        }
        armIdleTimer()
    }

    // MARK: StreamConnection

    func enqueue(_ bytes: ByteBuffer, stream: Int32) -> Int {
        session?.enqueueCounting(bytes, on: HTTP2StreamID(stream)) ?? 0
    }

    func abortSlowStream(_ stream: Int32) {
        logger.info("ending slow stream", metadata: ["stream": "\(stream)", "budget": "\(services.configuration.streams.outboundBudget)"])
        session?.resetStream(HTTP2StreamID(stream), errorCode: HTTP2ErrorCode.cancel)
        requestFlush()
    }

    func finishStream(_ stream: Int32) {
        guard let eventStream = streams.removeValue(forKey: stream) else { return }
        session?.finishStream(HTTP2StreamID(stream))
        logStreamClosed(eventStream, errorCode: 0)
        requestFlush()
        armIdleTimer()
    }

    func requestFlush() {
        guard !flushRequested else { return }
        flushRequested = true
        loop.flushes.schedule(self)
    }

    // MARK: Output

    /// Pulls everything nghttp2 has to send (while the socket takes it) and writes it in as few writes as
    /// possible: one per 256 KiB, normally one per batch.
    func flushNow() {
        flushRequested = false
        guard let context, let session, context.channel.isActive else { return }
        var wrote = false
        while context.channel.isWritable {
            var buffer = context.channel.allocator.buffer(capacity: 0)
            let count: Int
            do {
                count = try session.collectOutput(into: &buffer, maxBytes: Self.maxBytesPerWrite)
            } catch {
                fail(error)
                return
            }
            handleSessionEvents()
            guard count > 0 else { break }
            context.write(wrapOutboundOut(buffer), promise: nil)
            context.flush()
            wrote = true
        }
        if wrote, !idleMemoryTracked {
            idleMemoryTracked = true
            loop.idleMemory.track(self)
        }
        if !session.wantsRead && !session.wantsWrite {
            // GOAWAY exchanged and no stream left: nothing more will happen on this connection.
            closing = true
            context.close(promise: nil)
        } else if !wrote, closing, streams.isEmpty, session.openStreamCount == 0 {
            context.close(promise: nil)
        }
    }

    // MARK: IdleMemoryHolder

    func releaseIdleMemory() -> Bool {
        let released = session?.releaseFrameBufferIfQuiet() ?? true
        if released { idleMemoryTracked = false }
        return released
    }

    // MARK: Lifecycle

    /// Graceful drain: end every stream (clients reconnect elsewhere with `Last-Event-ID`), send GOAWAY, and
    /// close once the last frame is out.
    private func drain() {
        guard let session, !closing else { return }
        closing = true
        for stream in streams.values { endStream(stream, reason: .draining) }
        session.goAway(errorCode: HTTP2ErrorCode.noError)
        flushNow()
        // Timer closures hold the handler strongly (the timers are cancelled or fire): a weak reference
        // would give the handler a side table and slow every retain of it on the delivery path.
        context?.eventLoop.assumeIsolated().scheduleTask(in: .seconds(5)) {
            self.context?.close(promise: nil)
        }
    }

    private func endStream(_ stream: EventStream, reason: EventStream.EndReason) {
        stream.end(reason)
        session?.finishStream(HTTP2StreamID(stream.streamID))
    }

    private func endAllStreams(_ reason: EventStream.EndReason) {
        for stream in streams.values {
            stream.end(reason)
            logStreamClosed(stream, errorCode: 0)
        }
        streams.removeAll()
    }

    private func armIdleTimer() {
        guard streams.isEmpty, idleTimer == nil, let context else { return }
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(services.configuration.http2.idleTimeout)) {
            guard self.streams.isEmpty, let session = self.session else { return }
            self.idleTimer = nil
            session.goAway(errorCode: HTTP2ErrorCode.noError)
            self.closing = true
            self.flushNow()
            self.context?.close(promise: nil)
        }
    }

    private func fail(_ error: any Error) {
        logger.notice("closing HTTP/2 connection", metadata: ["error": "\(error)"])
        closing = true
        // Whatever nghttp2 queued (a GOAWAY naming the problem) goes out before the close.
        if let context, let session {
            var buffer = context.channel.allocator.buffer(capacity: 0)
            if (try? session.collectOutput(into: &buffer, maxBytes: 64 * 1024)) ?? 0 > 0 {
                context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            }
            context.close(promise: nil)
        }
    }

    // MARK: Logging

    private func accessLog(request: HTTP2Request, status: Int, bytes: Int) {
        guard services.configuration.logging.accessLog else { return }
        logger.info("request", metadata: [
            "protocol": "h2", "method": "\(request.method)", "path": "\(request.path)", "status": "\(status)", "bytes": "\(bytes)",
        ])
    }

    private func logStreamClosed(_ stream: EventStream, errorCode: UInt32) {
        guard services.configuration.logging.accessLog else { return }
        var metadata = stream.accessLogMetadata(protocol: "h2")
        metadata["stream"] = "\(stream.streamID)"
        metadata["h2_error"] = "\(errorCode)"
        logger.info("stream closed", metadata: metadata)
    }
}

/// Fired down every connection's pipeline when the server starts draining.
struct DrainEvent: Sendable {}
