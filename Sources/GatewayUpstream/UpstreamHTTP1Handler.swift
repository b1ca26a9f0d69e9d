import GatewayTLS
import NIOCore
import NIOHTTP1

/// The HTTP/1.1 side of one upstream connection: sends the GET, reports the response head, hands body
/// bytes to the source, and turns every way the connection can end into one report.
final class UpstreamHTTP1Handler: UpstreamConnectionReporting, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let source: UpstreamSource
    let attempt: Int
    private let request: [(name: String, value: String)]
    /// The first problem seen (an error before the close), reported when the channel goes inactive.
    var problem: UpstreamProblem?
    private var streaming = false
    private var requestSent = false

    init(source: UpstreamSource, attempt: Int, request: [(name: String, value: String)]) {
        self.source = source
        self.attempt = attempt
        self.request = request
    }

    /// Added after the TLS handshake (ALPN chose HTTP/1.1): the channel is already active.
    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { sendRequest(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendRequest(context)
        context.fireChannelActive()
    }

    private func sendRequest(_ context: ChannelHandlerContext) {
        guard !requestSent else { return }
        requestSent = true
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: source.configuration.endpoint.target)
        for (name, value) in request { head.headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            streaming = source.responseReceived(
                status: Int(head.status.code), contentType: head.headers.first(name: "content-type"), protocol: "http/1.1", attempt: attempt)
            if !streaming {
                problem = problem ?? .endedByOrigin  // already reported; the close must not report again
                context.close(promise: nil)
            }
        case .body(let bytes):
            if streaming { source.bodyReceived(bytes, attempt: attempt) }
        case .end:
            if streaming { fail(context, .endedByOrigin) }
        }
    }
}

@available(*, unavailable)
extension UpstreamHTTP1Handler: Sendable {}
