import GatewayHTTP2
import NIOCore

/// An HTTP/2 client session plus the write of its pending output, for handlers that only need the basics.
final class HTTP2ClientSessionBox {
    let session: HTTP2ClientSession?

    init() {
        self.session = try? HTTP2ClientSession()
    }

    func flush(context: ChannelHandlerContext) {
        guard let session = self.session, session.wantsWrite else { return }
        var output = context.channel.allocator.buffer(capacity: 1024)
        if (try? session.collectOutput(into: &output, maxBytes: 1 << 20)) ?? 0 > 0 {
            context.writeAndFlush(NIOAny(output), promise: nil)
        }
    }
}
