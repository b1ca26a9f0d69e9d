import GatewayHTTP2
import NIOCore

extension TestOrigin {
    /// An origin that speaks HTTP/2 over TLS when the client offers `h2` (and HTTP/1.1 otherwise).
    public static func startHTTP2() async throws -> TestOrigin {
        try await start(tls: true, http2: { origin in OriginHTTP2Handler(origin: origin) })
    }
}

/// The origin's HTTP/2 side, driven like the gateway's `HTTP2ConnectionHandler`: nghttp2 records events
/// while it runs, this handler acts on them afterwards and writes the session's output.
final class OriginHTTP2Handler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let origin: TestOrigin
    private var session: HTTP2ServerSession?
    private var context: ChannelHandlerContext?
    private var streams: [Int32: TestOrigin.OriginStream] = [:]

    init(origin: TestOrigin) {
        self.origin = origin
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        session = try? HTTP2ServerSession(settings: HTTP2SessionSettings())
        flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session else { return }
        do {
            try session.receive(unwrapInboundIn(data))
        } catch {
            context.close(promise: nil)
            return
        }
        handleEvents()
        flush()
    }

    private func handleEvents() {
        guard let session, let context else { return }
        for event in session.takeEvents() {
            switch event {
            case .request(let id, let request):
                let loop = context.eventLoop
                let bound = NIOLoopBound(self, eventLoop: loop)
                let stream = TestOrigin.OriginStream(channel: context.channel) { bytes in
                    loop.execute { bound.value.send(bytes, on: id) }
                }
                let decision = origin.decide(TestOrigin.Request(target: request.path, headers: request.headers), stream: stream) { replay in
                    session.respond(to: id, status: 200, headers: [("content-type", "text/event-stream"), ("cache-control", "no-cache")], body: .streaming)
                    _ = session.enqueue(replay, on: id)
                }
                switch decision {
                case .stream: streams[id.rawValue] = stream
                case .status(let status): session.respond(to: id, status: status, headers: [("content-length", "0")], body: .empty)
                case .wrongType(let type): session.respond(to: id, status: 200, headers: [("content-type", type)], body: .bytes(ByteBuffer(string: "{}")))
                }
            case .streamClosed(let id, _):
                if let stream = streams.removeValue(forKey: id.rawValue) { origin.closed(stream) }
            case .goAwayReceived:
                break
            }
        }
    }

    private func send(_ bytes: ByteBuffer, on id: HTTP2StreamID) {
        _ = session?.enqueue(bytes, on: id)
        flush()
    }

    private func flush() {
        guard let session, let context, context.channel.isActive else { return }
        var buffer = context.channel.allocator.buffer(capacity: 0)
        guard (try? session.collectOutput(into: &buffer, maxBytes: 1 << 20)) != nil else {
            context.close(promise: nil)
            return
        }
        handleEvents()
        if buffer.readableBytes > 0 { context.writeAndFlush(wrapOutboundOut(buffer), promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let (origin, channel) = (self.origin, context.channel)
        context.eventLoop.execute { origin.closed(channel) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
