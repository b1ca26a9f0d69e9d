import GatewayACME
import GatewayTLS
import NIOCore
import NIOHTTP1
import NIOPosix

/// The smallest HTTP-01 responder: `GET /.well-known/acme-challenge/{token}` answered from the store,
/// 404 otherwise (what the gateway's plaintext route will do).
final class HTTP01TestServer {
    let channel: any Channel

    init(store: HTTP01ChallengeStore, port: Int, group: any EventLoopGroup) async throws {
        self.channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(HTTP01Responder(store: store))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
    }

    func close() async throws {
        try await self.channel.close()
    }
}

private final class HTTP01Responder: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let store: HTTP01ChallengeStore
    private var path: String?

    init(store: HTTP01ChallengeStore) { self.store = store }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head): self.path = head.uri
        case .body: break
        case .end:
            let body = self.path.flatMap(self.store.keyAuthorization(forPath:))
            var head = HTTPResponseHead(version: .http1_1, status: body == nil ? .notFound : .ok)
            head.headers.add(name: "Content-Type", value: "text/plain")
            head.headers.add(name: "Content-Length", value: String(body?.utf8.count ?? 0))
            context.write(self.wrapOutboundOut(.head(head)), promise: nil)
            if let body { context.write(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil) }
            context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}

/// A `GatewayTLS` server that only handshakes: enough for TLS-ALPN-01 and for checking a certificate.
final class TLSTestServer {
    let channel: any Channel

    init(context: TLSServerContext, port: Int, group: any EventLoopGroup) async throws {
        self.channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(context: context))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
    }

    var port: Int { self.channel.localAddress?.port ?? 0 }

    func close() async throws {
        try await self.channel.close()
    }
}

/// Connects to 127.0.0.1:`port` with SNI and name check `serverName`, and returns the handshake result.
func handshake(port: Int, serverName: String, client: TLSClientContext, group: any EventLoopGroup) async throws -> TLSHandshakeCompleted {
    let result = group.next().makePromise(of: TLSHandshakeCompleted.self)
    let channel = try await ClientBootstrap(group: group)
        .connectTimeout(.seconds(5))
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(TLSHandler(context: client, serverName: serverName, handshakeTimeout: .seconds(5)))
                try channel.pipeline.syncOperations.addHandler(HandshakeWatcher(result: result))
            }
        }
        .connect(host: "127.0.0.1", port: port).get()
    defer { channel.close(promise: nil) }
    return try await result.futureResult.get()
}

private final class HandshakeWatcher: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let result: EventLoopPromise<TLSHandshakeCompleted>

    init(result: EventLoopPromise<TLSHandshakeCompleted>) { self.result = result }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let completed = event as? TLSHandshakeCompleted { self.result.succeed(completed) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.result.fail(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.result.fail(ChannelError.eof)
    }
}
