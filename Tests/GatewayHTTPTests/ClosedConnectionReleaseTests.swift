import GatewayHTTP2
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayHTTP

/// A connection handler is gone once its connection closes: no timer, sweeper or cycle keeps it (and with
/// it the nghttp2 session and the queued bytes) alive. Weak references here, not `LiveObjects`: other suites
/// create handlers at the same time. (The HTTP/1.1 handler reads channel options `EmbeddedChannel` lacks;
/// `ClosedConnectionMemoryTests` covers it over real sockets.)
@Suite struct ClosedConnectionReleaseTests {
    final class NotFoundApplication: HTTPApplication {
        var connectionSettings: ConnectionSettings {
            ConnectionSettings(http2: HTTP2SessionSettings(), http1: HTTP1Settings(), maxRequestHeadBytes: 16384,
                               maxRequestBodyBytes: 1024, outboundBudget: 65536, accessLog: false)
        }

        func respond(to request: Request, on loop: any EventLoop) -> Response {
            HTTPError(404, ErrorCode(rawValue: "not_found"), "nothing here").response
        }
    }

    private let application = NotFoundApplication()
    private let connection = ConnectionInfo(listener: "test", trusted: true)

    /// An active channel on `loop` serving with `handler`, closed again; returns once the close was processed.
    private func serveAndClose(_ handler: some ChannelHandler, on loop: EmbeddedEventLoop) throws {
        let channel = EmbeddedChannel(loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.close().wait()
        loop.run()
    }

    @Test func http2HandlerIsReleasedByTheNextSweepAfterItsConnectionCloses() throws {
        let loop = EmbeddedEventLoop()
        let services = LoopServices(eventLoop: loop)
        weak var released: HTTP2ConnectionHandler?
        do {
            let handler = HTTP2ConnectionHandler(application: { self.application }, loop: services, connection: connection, logger: Logger(label: "test"))
            released = handler
            // Its SETTINGS went out when it was added, so the loop's idle-memory sweeper tracks it.
            try serveAndClose(handler, on: loop)
        }
        loop.advanceTime(by: IdleMemorySweeper.period)
        #expect(released == nil, "the closed HTTP/2 connection's handler is still alive after a sweep")
    }
}
