import GatewayHTTP2
import GatewayLiveObjects
import Logging
import NIOCore
import NIOHTTP1

/// Serves one HTTP/2 connection: feeds bytes to the nghttp2 session, answers its requests, runs its
/// streams, and writes the session's output in one write per batch.
///
/// Maintainer note: the session only records events while nghttp2 runs; this handler acts on them after
/// `receive`/`collectOutput` return (`handleSessionEvents`), so answering a request never re-enters nghttp2.
/// Output is pulled by `flushNow`, which the loop's `FlushBatcher` calls once (at most twice) per task, so a
/// publish that reaches 100 streams of this connection leaves as one TLS record batch and one socket write.
public final class HTTP2ConnectionHandler: ChannelInboundHandler, StreamConnection, Flushable, IdleMemoryHolder {
    public typealias InboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// Most bytes pulled from nghttp2 for one write; bounds memory per connection while still batching.
    private static let maxBytesPerWrite = 256 * 1024

    private let services: ConnectionServices
    var settings: ConnectionSettings { services.settings }
    var loop: LoopServices { services.loop }
    var logger: Logger { services.logger }
    private var accessLog: AccessLog { services.accessLog }
    var session: HTTP2ServerSession?
    var context: ChannelHandlerContext?
    private var streams = HTTP2ResponseStreams()
    /// In the loop's current flush batch (see `FlushBatcher`).
    var flushState = FlushState.idle
    private var idleTimer: IdleTimer?
    var closing = false
    /// GOAWAY sent for a paced drain (`GoAwayEvent`): the streams keep flowing until the application ends
    /// them, and the connection closes after the last one.
    private var goingAway = false
    /// Registered with the loop's `IdleMemorySweeper` since our last write.
    private var idleMemoryTracked = false
    /// Watches the request-head and request-body deadlines while requests are under assembly; made on
    /// the first request, so a connection that never sends one holds none.
    var requestTimer: DeadlineTimer?
    /// Where the client's bytes stand between frames: a frame cut short is held to the request deadlines
    /// too (nghttp2 starts no request for a frame header, padding or priority field cut short).
    var frames = HTTP2FrameProgress()

    public init(application: @escaping ApplicationSource, loop: LoopServices, connection: ConnectionInfo, logger: Logger) {
        services = ConnectionServices(application: application, loop: loop, connection: connection, speaking: .http2, logger: logger)
        LiveObjects.http2ConnectionHandlers.created()
    }

    deinit {
        LiveObjects.http2ConnectionHandlers.destroyed()
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        do {
            session = try HTTP2ServerSession(settings: settings.http2)
        } catch {
            logger.error("cannot create HTTP/2 session", metadata: ["error": "\(error)"])
            context.close(promise: nil)
            return
        }
        logger.debug("HTTP/2 connection")
        idleTimer = IdleTimer(eventLoop: context.eventLoop, timeout: settings.http2.idleTimeout) { self.closeIdle() }
        idleTimer?.becameIdle()
        flushNow()  // our SETTINGS go out at once (RFC 9113 §3.4)
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        releaseConnection()
        self.context = nil
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session, !closing else { return }
        let bytes = unwrapInboundIn(data)
        frames.consume(bytes, at: loop.eventLoop.now)
        do {
            try session.receive(bytes)
        } catch {
            fail(error)
            return
        }
        handleSessionEvents()
        if session.hasPendingRequests { watchRequests(until: loop.eventLoop.now + TimeAmount(min(settings.requestHeadTimeout, settings.requestBodyTimeout))) }
        if let deadline = frames.deadline(headTimeout: headTimeout, bodyTimeout: bodyTimeout) { watchRequests(until: deadline) }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        flushNow()
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { flushNow() }
        context.fireChannelWritabilityChanged()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        releaseConnection()
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is DrainEvent { drain() }
        if event is GoAwayEvent { goAway() }
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
        let frames = session.takeControlFrames()
        if !frames.isEmpty { HTTP2FrameMetrics.count(frames) }
    }

    private func respond(to request: HTTP2Request, on id: HTTP2StreamID) {
        idleTimer?.becameBusy()
        let method = HTTPMethod(rawValue: request.method)
        let response: Response
        if let problem = request.problem {
            response = switch problem {
            case .bodyTooLarge:
                HTTPError.bodyTooLarge(limit: settings.maxRequestBodyBytes).response
            case .headerListTooLarge:
                HTTPError(431, .headersTooLarge, "the request headers are larger than \(settings.http2.maxHeaderListSize) bytes or more than \(settings.http2.maxHeaderCount) fields").response
            }
        } else {
            let gatewayRequest = Request(method: method, target: request.path, headers: request.headers, body: request.body, connection: services.connection)
            response = services.respond(to: gatewayRequest)
        }
        ReadyResponse.resolve(response, method: method, adding: services.responseHeaders, on: loop.eventLoop) { ready in
            self.answer(ready, method: method, target: request.path, on: id)
        }
    }

    private func answer(_ response: ReadyResponse, method: HTTPMethod, target: String, on id: HTTP2StreamID) {
        guard let session, context != nil else { return }
        switch response {
        case .complete(let status, let headers, let body):
            session.respond(to: id, status: status, headers: headers, body: body.map { .bytes($0) } ?? .empty)
            accessLog.request(method: method, target: target, status: status, bytes: response.bodyBytes, route: services.route(for: target))
            if streams.isEmpty { idleTimer?.becameIdle() }
        case .stream(let opener, let headers):
            // A stream the client reset while its response was being prepared has nowhere to go: it is not
            // opened (it would subscribe, and nothing would ever end it).
            guard session.respond(to: id, status: 200, headers: headers, body: .streaming) else {
                logger.debug("stream gone before its response", metadata: ["stream": "\(id.rawValue)"])
                break
            }
            let writer = StreamWriter(connection: self, loop: loop, slot: StreamSlot(rawValue: id.rawValue), outboundBudget: settings.outboundBudget)
            let stream = opener.open(writer, loop: loop)
            guard streams.insert(stream, id: id.rawValue, in: session) else { break }
            idleTimer?.pause()
            stream.start()
            if closing { endStream(id.rawValue, reason: .draining) }
        }
        requestFlush()
    }

    private func streamClosed(_ id: HTTP2StreamID, errorCode: UInt32) {
        if let stream = streams.remove(id.rawValue, in: session) {
            stream.end(.clientClosed)
            accessLog.streamClosed(stream, extra: ["stream": "\(id.rawValue)", "h2_error": "\(errorCode)"])
        }
        if streams.isEmpty { idleTimer?.becameIdle() }
        if goingAway, streams.isEmpty { closeWhenQuiet() }
    }

    // MARK: StreamConnection

    @usableFromInline
    func enqueue(_ bytes: ByteBuffer, slot: StreamSlot) -> Int {
        session?.enqueueCounting(bytes, on: HTTP2StreamID(slot.rawValue)) ?? 0
    }

    @usableFromInline
    func prepareWrite(_ slot: StreamSlot) {
        session?.prefetch(HTTP2StreamID(slot.rawValue))
    }

    @usableFromInline
    func abortSlowStream(_ slot: StreamSlot) {
        logger.info("ending slow stream", metadata: ["stream": "\(slot.rawValue)", "budget": "\(settings.outboundBudget)"])
        session?.resetStream(HTTP2StreamID(slot.rawValue), errorCode: HTTP2ErrorCode.cancel)
        requestFlush()
    }

    @usableFromInline
    func unsentBytes(_ slot: StreamSlot) -> Int {
        session?.queuedBytes(on: HTTP2StreamID(slot.rawValue)) ?? 0
    }

    @usableFromInline
    func endStalledStream(_ slot: StreamSlot) {
        EdgeDeadline.streamStall.reached(logger, ended: "HTTP/2 stream", metadata: ["stream": "\(slot.rawValue)"])
        session?.resetStream(HTTP2StreamID(slot.rawValue), errorCode: HTTP2ErrorCode.cancel)
        requestFlush()
    }

    @usableFromInline
    func finishStream(_ slot: StreamSlot) {
        guard let stream = streams.remove(slot.rawValue, in: session) else { return }
        session?.finishStream(HTTP2StreamID(slot.rawValue))
        accessLog.streamClosed(stream, extra: ["stream": "\(slot.rawValue)", "h2_error": "0"])
        requestFlush()
        if streams.isEmpty { idleTimer?.becameIdle() }
        if goingAway, streams.isEmpty { closeWhenQuiet() }
    }

    @usableFromInline
    func requestFlush() {
        // Checked here first: every write of every stream asks, and most find the flush already requested.
        if !flushState.isWaiting { loop.flushes.request(self) }
    }

    // MARK: Output

    /// Pulls everything nghttp2 has to send (while the socket takes it) and writes it in as few writes as
    /// possible: one per 256 KiB, normally one per batch.
    func flushNow() {
        guard let context, let session, context.channel.isActive else { return }
        var wrote = false
        while context.channel.isWritable {
            // The loop's large buffer when the last large flush is done with it (the TLS handler encrypts
            // a write of 16 KiB or more at once and lets go of it), so bulk output does not fault in fresh
            // pages per flush; small flushes start empty as before.
            var buffer = loop.largePlaintext.borrow() ?? context.channel.allocator.buffer(capacity: 0)
            let count: Int
            do {
                count = try session.collectOutput(into: &buffer, maxBytes: Self.maxBytesPerWrite)
            } catch {
                fail(error)
                return
            }
            handleSessionEvents()
            guard count > 0 else {
                loop.largePlaintext.giveBack(buffer)
                break
            }
            context.write(wrapOutboundOut(buffer), promise: nil)
            context.flush()
            loop.largePlaintext.giveBack(buffer)
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
        for id in streams.ids(in: session) { endStream(id, reason: .draining) }
        session.goAway(errorCode: HTTP2ErrorCode.noError)
        flushNow()
        // Timer closures hold the handler strongly (the timers are cancelled or fire): a weak reference
        // would give the handler a side table and slow every retain of it on the delivery path.
        context?.eventLoop.assumeIsolated().scheduleTask(in: .seconds(5)) {
            self.context?.close(promise: nil)
        }
    }

    /// First step of a paced drain: GOAWAY tells the client to open new streams elsewhere, while the
    /// streams already open keep flowing until the application ends each one at its own moment.
    private func goAway() {
        guard let session, !closing, !goingAway else { return }
        goingAway = true
        session.goAway(errorCode: HTTP2ErrorCode.noError)
        flushNow()
        if streams.isEmpty { closeWhenQuiet() }
    }

    /// The last stream after a GOAWAY ended: close once the final frames are out (`flushNow` closes when
    /// nothing is left to write), with a timer in case the client never answers.
    private func closeWhenQuiet() {
        guard !closing else { return }
        closing = true
        flushNow()
        context?.eventLoop.assumeIsolated().scheduleTask(in: .seconds(5)) {
            self.context?.close(promise: nil)
        }
    }

    private func endStream(_ id: Int32, reason: StreamEndReason) {
        guard let stream = streams.stream(id, in: session) else { return }
        stream.end(reason)
        finishStream(StreamSlot(rawValue: id))
    }

    private func endAllStreams(_ reason: StreamEndReason) {
        for (id, stream) in streams.removeAll(in: session) {
            stream.end(reason)
            accessLog.streamClosed(stream, extra: ["stream": "\(id)", "h2_error": "0"])
        }
    }

    /// The connection is gone: give back everything it holds now, not when the last reference to this
    /// handler goes (idempotent: runs on channelInactive and again on handlerRemoved).
    /// - The streams end, leaving their channels.
    /// - The idle timer goes: its closure holds this handler and the handler holds it, a cycle cancelling
    ///   alone does not break (cancel drops the scheduled task, not the timer's closure).
    /// - The nghttp2 session goes with its frame buffer and every stream's queued bytes, which a client that
    ///   stopped reading and then reset the connection left behind. Something may still hold the handler for
    ///   a moment (the loop's idle-memory sweeper until its next sweep, a drain's close timer), and it then
    ///   holds only this shell: with no session `releaseIdleMemory` answers "released", and the sweeper,
    ///   which kept asking a closed connection with unsent output forever, lets go of it.
    private func releaseConnection() {
        endAllStreams(.clientClosed)
        idleTimer?.cancel()
        idleTimer = nil
        requestTimer?.cancel()
        requestTimer = nil  // its check holds this handler
        session = nil
    }

    /// No stream for the idle timeout: GOAWAY and close.
    private func closeIdle() {
        guard streams.isEmpty, let session else { return }
        session.goAway(errorCode: HTTP2ErrorCode.noError)
        closing = true
        flushNow()
        context?.close(promise: nil)
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
            HTTP2FrameMetrics.count(session.takeControlFrames())
            context.close(promise: nil)
        }
    }
}

/// Fired down every connection's pipeline when the server starts draining.
public struct DrainEvent: Sendable {
    public init() {}
}
