import GatewayHTTP
import GatewayTLS
import Metrics
import NIOCore

/// One listener's connection metrics, made once when it binds:
/// `ssegate_connections{listener,protocol}` (open now), `ssegate_connections_total{listener,protocol}`,
/// `ssegate_bytes_out_total{listener}` (socket bytes, TLS records included), and for TLS listeners
/// `ssegate_tls_handshakes_total{listener}` and `ssegate_tls_handshake_failures_total{listener,reason}`;
/// `ssegate_connections_refused_total{listener,reason}` counts connections closed at accept (`ConnectionRefusal`).
final class ConnectionMetrics: Sendable {
    let listener: String
    let bytesOut: Counter
    let handshakes: Counter
    private let open: [ApplicationProtocol: Meter]
    private let opened: [ApplicationProtocol: Counter]
    private let refusals: [ConnectionRefusal: Counter]

    init(listener: String) {
        self.listener = listener
        bytesOut = Counter(label: "ssegate_bytes_out_total", dimensions: [("listener", listener)])
        handshakes = Counter(label: "ssegate_tls_handshakes_total", dimensions: [("listener", listener)])
        let protocols: [ApplicationProtocol] = [.http2, .http1]
        open = Dictionary(uniqueKeysWithValues: protocols.map {
            ($0, Meter(label: "ssegate_connections", dimensions: [("listener", listener), ("protocol", $0.rawValue)]))
        })
        opened = Dictionary(uniqueKeysWithValues: protocols.map {
            ($0, Counter(label: "ssegate_connections_total", dimensions: [("listener", listener), ("protocol", $0.rawValue)]))
        })
        refusals = Dictionary(uniqueKeysWithValues: ConnectionRefusal.allCases.map {
            ($0, Counter(label: "ssegate_connections_refused_total", dimensions: [("listener", listener), ("reason", $0.rawValue)]))
        })
    }

    /// A connection closed at accept.
    func refused(_ reason: ConnectionRefusal) {
        refusals[reason]?.increment()
    }

    /// The connection settled on `applicationProtocol`; it counts as open until `channel` closes.
    func opened(_ applicationProtocol: ApplicationProtocol, channel: any Channel) {
        opened[applicationProtocol]?.increment()
        guard let meter = open[applicationProtocol] else { return }
        meter.increment()
        channel.closeFuture.whenComplete { _ in meter.decrement() }
    }

    /// A handshake that failed, by the TLS layer's kind of failure (`handshakeTimeout`, `handshakeFailed`…).
    func handshakeFailed(reason: String) {
        Counter(label: "ssegate_tls_handshake_failures_total", dimensions: [("listener", listener), ("reason", reason)]).increment()
    }
}

/// Counts the bytes written to the socket, one counter update per flush (one per connection per loop
/// batch), never per write: the first handler of the pipeline, so it sees TLS records as they leave.
final class OutboundByteCounter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let counter: Counter
    private var unflushed = 0

    init(counter: Counter) {
        self.counter = counter
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        unflushed += unwrapOutboundIn(data).readableBytes
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        if unflushed > 0 {
            counter.increment(by: Int64(unflushed))
            unflushed = 0
        }
        context.flush()
    }
}

/// Sits right after the TLS handler until its handshake ends: counts the handshake, or its failure by
/// reason, then leaves the pipeline (later errors are not handshake failures).
final class TLSHandshakeObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let metrics: ConnectionMetrics
    private var settled = false

    init(metrics: ConnectionMetrics) {
        self.metrics = metrics
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if !settled, event is TLSHandshakeCompleted {
            settled = true
            metrics.handshakes.increment()
            context.fireUserInboundEventTriggered(event)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !settled {
            settled = true
            metrics.handshakeFailed(reason: (error as? TLSError).map { "\($0.kind)" } ?? "other")
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A client that connects and leaves without finishing the handshake.
        if !settled {
            settled = true
            metrics.handshakeFailed(reason: "closed")
        }
        context.fireChannelInactive()
    }
}
