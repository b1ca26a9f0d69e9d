import GatewayHTTP2
import GatewayTLS
import NIOCore

/// The HTTP/2 side of one upstream connection (ALPN `h2`): an nghttp2 client session with one GET stream.
///
/// Same reports as `UpstreamHTTP1Handler`; the session only records events while nghttp2 runs, and this
/// handler acts on them afterwards, then writes whatever the session queued (SETTINGS ACK, WINDOW_UPDATE)
/// in one write.
final class UpstreamHTTP2Handler: UpstreamConnectionReporting, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let source: UpstreamSource
    let attempt: Int
    private let request: [(name: String, value: String)]
    private var session: HTTP2ClientSession?
    private var streamID: HTTP2StreamID?
    var problem: UpstreamProblem?
    private var streaming = false

    init(source: UpstreamSource, attempt: Int, request: [(name: String, value: String)]) {
        self.source = source
        self.attempt = attempt
        self.request = request
    }

    func handlerAdded(context: ChannelHandlerContext) {
        do {
            let session = try HTTP2ClientSession()
            self.session = session
            let endpoint = source.configuration.endpoint
            // `host` becomes `:authority` on HTTP/2 (RFC 9113 §8.3.1).
            streamID = session.startRequest(
                method: "GET", path: endpoint.target, authority: endpoint.authority, scheme: "https",
                headers: request.filter { $0.name != "host" })
            if streamID == nil { fail(context, .protocolError("the HTTP/2 session refused the request")) }
        } catch {
            fail(context, .protocolError("\(error)"))
            return
        }
        flush(context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session, problem == nil else { return }
        do {
            try session.receive(unwrapInboundIn(data))
        } catch {
            fail(context, .protocolError("\(error)"))
            return
        }
        handleEvents(context, session.takeEvents())
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush(context)
        context.fireChannelReadComplete()
    }

    private func handleEvents(_ context: ChannelHandlerContext, _ events: [HTTP2ClientEvent]) {
        for event in events where problem == nil {
            switch event {
            case .response(let id, let status, let headers) where id == streamID:
                let contentType = headers.first { $0.name == "content-type" }?.value
                streaming = source.responseReceived(status: status, contentType: contentType, protocol: "h2", attempt: attempt)
                if !streaming {
                    problem = .endedByOrigin  // already reported
                    context.close(promise: nil)
                }
            case .data(let id, let bytes) where id == streamID:
                if streaming { source.bodyReceived(bytes, attempt: attempt) }
            case .streamClosed(let id, let errorCode) where id == streamID:
                fail(context, errorCode == 0 ? .endedByOrigin : .protocolError("the origin reset the stream (HTTP/2 error \(errorCode))"))
            case .goAwayReceived(let lastStreamID, _):
                // Our stream goes on if the origin accepted it; otherwise this connection is useless.
                if let streamID, streamID.rawValue > lastStreamID { fail(context, .endedByOrigin) }
            case .response, .data, .streamClosed:
                break
            }
        }
    }

    private func flush(_ context: ChannelHandlerContext) {
        guard let session, context.channel.isActive else { return }
        var buffer = context.channel.allocator.buffer(capacity: 0)
        do {
            _ = try session.collectOutput(into: &buffer, maxBytes: 64 * 1024)
        } catch {
            fail(context, .protocolError("\(error)"))
            return
        }
        if buffer.readableBytes > 0 { context.writeAndFlush(wrapOutboundOut(buffer), promise: nil) }
    }
}

@available(*, unavailable)
extension UpstreamHTTP2Handler: Sendable {}
