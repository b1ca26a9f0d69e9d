import GatewayTLS
import NIOCore

/// After the handshake: one GET on a fresh HTTP/2 session; `done` succeeds when its stream closes.
final class ChurnHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let path: String
    private let authority: String
    private let done: EventLoopPromise<Void>
    /// Counts handshakes the server resumed (a session it accepted instead of a full handshake).
    private let resumed: ManagedCounter
    private var session: HTTP2ClientSessionBox?

    init(path: String, authority: String, done: EventLoopPromise<Void>, resumed: ManagedCounter) {
        self.path = path
        self.authority = authority
        self.done = done
        self.resumed = resumed
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let handshake = event as? TLSHandshakeCompleted {
            if handshake.sessionReused { self.resumed.add(1) }
            let box = HTTP2ClientSessionBox()
            self.session = box
            _ = box.session?.startRequest(method: "GET", path: self.path, authority: self.authority)
            box.flush(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let box = self.session, let session = box.session else { return }
        do {
            try session.receive(self.unwrapInboundIn(data))
        } catch {
            self.done.fail(error)
            return
        }
        for event in session.takeEvents() {
            if case .streamClosed(_, let code) = event {
                if code == 0 { self.done.succeed(()) } else { self.done.fail(ChannelError.eof) }
            }
        }
        box.flush(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.done.fail(ChannelError.eof)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.done.fail(error)
        context.close(promise: nil)
    }
}
