import GatewayTLS
import NIOCore
import NIOHTTP1

/// Waits for the TLS handshake and installs the protocol the origin chose with ALPN: `h2` gets the
/// nghttp2 client, anything else (`http/1.1`, or no ALPN at all) HTTP/1.1.
///
/// Until then it is the one that reports a failed connection (certificate refused, handshake timeout);
/// afterwards the protocol handler does, and this one only passes events along.
final class UpstreamProtocolSelection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let source: UpstreamSource
    private let attempt: Int
    private let request: [(name: String, value: String)]
    private var installed = false
    private var problem: UpstreamProblem?

    init(source: UpstreamSource, attempt: Int, request: [(name: String, value: String)]) {
        self.source = source
        self.attempt = attempt
        self.request = request
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard !installed, let handshake = event as? TLSHandshakeCompleted else {
            if !installed, let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
                fail(context, .readTimeout)
                return
            }
            context.fireUserInboundEventTriggered(event)
            return
        }
        installed = true
        do {
            let pipeline = context.pipeline.syncOperations
            if handshake.negotiatedProtocol == "h2" {
                try pipeline.addHandler(UpstreamHTTP2Handler(source: source, attempt: attempt, request: request))
            } else {
                try pipeline.addHTTPClientHandlers()
                try pipeline.addHandler(UpstreamHTTP1Handler(source: source, attempt: attempt, request: request))
            }
        } catch {
            installed = false
            fail(context, .protocolError("\(error)"))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !installed else {
            context.fireErrorCaught(error)
            return
        }
        fail(context, UpstreamProblem(error))
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !installed { source.lost(problem ?? .connectFailed("closed during the TLS handshake"), attempt: attempt) }
        context.fireChannelInactive()
    }

    private func fail(_ context: ChannelHandlerContext, _ problem: UpstreamProblem) {
        if self.problem == nil { self.problem = problem }
        context.close(promise: nil)
    }
}

extension UpstreamProblem {
    /// A connection error as the problem it reports: TLS apart, because a refused certificate is the
    /// failure operators look for first.
    init(_ error: any Error) {
        if let tls = error as? TLSError {
            self = .tlsFailed("\(tls)")
        } else if error is HTTPParserError {
            self = .protocolError("\(error)")
        } else {
            self = .connectFailed("\(error)")
        }
    }
}

@available(*, unavailable)
extension UpstreamProtocolSelection: Sendable {}
