import GatewayTLS
import NIOCore
import NIOHTTP1
import Synchronization

/// One webhook `POST` over one HTTP/1.1 connection: writes the request once the connection is ready
/// (at once in plaintext, after the handshake with TLS), completes with the answer's status when the
/// answer has ended, and fails if the connection ends first.
final class WebhookPostHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let head: HTTPRequestHead
    private let body: ByteBuffer
    private let waitsForHandshake: Bool
    private let answered: WebhookAnswer
    private var status: Int?
    private var sent = false

    init(head: HTTPRequestHead, body: ByteBuffer, waitsForHandshake: Bool, answered: WebhookAnswer) {
        self.head = head
        self.body = body
        self.waitsForHandshake = waitsForHandshake
        self.answered = answered
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive, !waitsForHandshake { send(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if !waitsForHandshake { send(context) }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is TLSHandshakeCompleted { send(context) }
        context.fireUserInboundEventTriggered(event)
    }

    private func send(_ context: ChannelHandlerContext) {
        guard !sent else { return }
        sent = true
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let response):
            status = Int(response.status.code)
        case .body:
            break
        case .end:
            answered.complete(.success(status ?? 0))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        answered.complete(.failure(error))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        answered.complete(.failure(WebhookFailure.connectionClosed))
        context.fireChannelInactive()
    }
}

/// The outcome of one attempt, decided once: the answer, an error, the close or the timeout, whichever
/// comes first (the others then change nothing).
final class WebhookAnswer: Sendable {
    private let promise: EventLoopPromise<Int>
    private let decided = Mutex(false)

    init(_ promise: EventLoopPromise<Int>) {
        self.promise = promise
    }

    var futureResult: EventLoopFuture<Int> { promise.futureResult }

    func complete(_ result: Result<Int, any Error>) {
        let first = decided.withLock { decided in
            defer { decided = true }
            return !decided
        }
        if first { promise.completeWith(result) }
    }
}

/// Why one webhook attempt failed (besides a socket or TLS error, passed on as it is).
enum WebhookFailure: Error, CustomStringConvertible {
    case connectionClosed
    case timedOut
    case status(Int)
    case invalidURL(String)
    case missingSecret(String)

    var description: String {
        switch self {
        case .connectionClosed: "the receiver closed the connection before answering"
        case .timedOut: "no answer within the timeout"
        case .status(let status): "the receiver answered \(status)"
        case .invalidURL(let reason): "invalid webhook URL: \(reason)"
        case .missingSecret(let variable): "\(variable) is not set, and notifications are never sent unsigned"
        }
    }
}
