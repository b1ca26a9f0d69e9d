import GatewayTLS
import Logging
import NIOCore
import NIOHTTP1

extension ApplicationProtocol {
    /// Installs the handlers for the protocol at the end of the pipeline.
    public func configure(_ pipeline: ChannelPipeline.SynchronousOperations, application: @escaping ApplicationSource, loop: LoopServices,
                          connection: ConnectionInfo, logger: Logger) throws {
        switch self {
        case .http2:
            try pipeline.addHandler(HTTP2ConnectionHandler(application: application, loop: loop, connection: connection, logger: logger))
        case .http1:
            let wire = HTTP1Wire()
            try pipeline.addHandler(wire)
            try HTTP1Codec.install(pipeline, above: wire)
            try pipeline.addHandler(HTTP1ConnectionHandler(application: application, loop: loop, connection: connection, logger: logger))
        }
    }
}

/// After the TLS handshake, ALPN decides: `h2` → HTTP/2; `http/1.1` or nothing → HTTP/1.1.
public final class ALPNSelectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer

    private let logger: Logger
    /// Named in the log line of a failed handshake; the connection's logger is made only then.
    private let connection: ConnectionInfo?
    private let install: (ApplicationProtocol, ChannelHandlerContext) throws -> Void

    public init(logger: Logger, connection: ConnectionInfo? = nil, install: @escaping (ApplicationProtocol, ChannelHandlerContext) throws -> Void) {
        self.logger = logger
        self.connection = connection
        self.install = install
    }

    /// Handshake failures and timeouts end here (the TLS handler reports them, then closes).
    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        (connection?.logger(from: logger) ?? logger).debug("TLS handshake failed", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let handshake = event as? TLSHandshakeCompleted else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let selected: ApplicationProtocol = handshake.negotiatedProtocol == ApplicationProtocol.http2.rawValue ? .http2 : .http1
        do {
            try install(selected, context)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        } catch {
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }
}

/// On plaintext listeners, tells HTTP/2 with prior knowledge (the client connection preface, RFC 9113
/// §3.4) from HTTP/1.1 by the first bytes, then hands them on to the chosen protocol's handlers.
public final class PrefaceSniffingHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer

    private static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
    private let install: (ApplicationProtocol, ChannelHandlerContext) throws -> Void
    private let timeout: TimeAmount
    private var buffered: ByteBuffer?
    private var timer: Scheduled<Void>?

    public init(timeout: TimeAmount, install: @escaping (ApplicationProtocol, ChannelHandlerContext) throws -> Void) {
        self.timeout = timeout
        self.install = install
    }

    /// A client that connects and sends nothing is closed, like a TLS handshake that never completes.
    public func handlerAdded(context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { context.close(promise: nil) }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if buffered == nil {
            buffered = incoming
        } else {
            buffered!.writeBuffer(&incoming)
        }
        let bytes = buffered!.readableBytesView
        let compared = min(bytes.count, Self.preface.count)
        let matches = bytes.prefix(compared).elementsEqual(Self.preface.prefix(compared))
        guard !matches || compared == Self.preface.count else { return }  // need more bytes to decide
        let chosen: ApplicationProtocol = matches ? .http2 : .http1
        let pending = buffered!
        buffered = nil
        do {
            try install(chosen, context)
        } catch {
            context.fireErrorCaught(error)
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(wrapInboundOut(pending))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        if buffered == nil { context.fireChannelReadComplete() }
    }
}
