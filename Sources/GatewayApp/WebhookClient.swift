import GatewayTLS
import GatewayUpstream
import NIOCore
import NIOHTTP1
import NIOPosix

/// Posts one JSON body to a webhook receiver over a fresh HTTP/1.1 connection (TLS through `GatewayTLS`
/// for `https`), closed after the answer. Notifications are rare next to events, so a connection per
/// attempt keeps the client without pooling state; every attempt is bounded by `timeout`.
struct WebhookClient: Sendable {
    let endpoint: UpstreamEndpoint
    /// For `https` receivers: the client context (system roots or the configured CA file), ALPN http/1.1.
    let tls: TLSClientContext?
    let timeout: Duration

    /// Completes with the answer's status, or fails (connect, TLS, closed early, timed out).
    func post(_ body: ByteBuffer, headers: [(String, String)], on loop: any EventLoop) -> EventLoopFuture<Int> {
        let answered = WebhookAnswer(loop.makePromise(of: Int.self))
        var request = HTTPRequestHead(version: .http1_1, method: .POST, uri: endpoint.target)
        request.headers.add(name: "host", value: endpoint.authority)
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "content-length", value: String(body.readableBytes))
        request.headers.add(name: "connection", value: "close")
        request.headers.add(name: "user-agent", value: "ssegate-webhook")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let head = request
        let endpoint = self.endpoint
        let tls = self.tls
        let deadline = TimeAmount(timeout)
        ClientBootstrap(group: loop)
            .connectTimeout(deadline)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        try pipeline.addHandler(TLSHandler(context: tls, serverName: endpoint.host, handshakeTimeout: deadline))
                    }
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(WebhookPostHandler(head: head, body: body, waitsForHandshake: tls != nil, answered: answered))
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    // The whole attempt, answer included, within the timeout: a slow receiver is cut off.
                    let timer = channel.eventLoop.scheduleTask(in: deadline) {
                        answered.complete(.failure(WebhookFailure.timedOut))
                        channel.close(promise: nil)
                    }
                    answered.futureResult.whenComplete { _ in timer.cancel() }
                case .failure(let error):
                    answered.complete(.failure(error))
                }
            }
        return answered.futureResult
    }
}
