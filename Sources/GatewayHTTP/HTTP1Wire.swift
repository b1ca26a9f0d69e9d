import NIOCore

/// The first HTTP/1.1 handler above TLS (or the socket), kept for the connection's life: the point event
/// bytes are written from (`HTTP1ChunkWriter`), and the connection's door while NIO's HTTP/1.1 codec is
/// out of the pipeline.
///
/// Why the codec leaves: a running event stream needs none of it. Its bytes are framed by the chunk
/// writer, and the request is complete, yet the decoder, encoder, pipelining and validation handlers
/// held ~2.4 KB per connection (with the decoder's buffers and its header array), a tenth of a
/// single-stream connection. `HTTP1ConnectionHandler` takes them out once a stream runs and puts a fresh
/// set back when it ends and the connection returns to keep-alive (`HTTP1Codec`).
///
/// While the codec is out, a client has nothing to send: its next request comes after the stream ends. Bytes
/// that arrive anyway (a pipelined request, or a client that does not speak SSE) close the connection, as a
/// second request during a stream did with the codec in place.
final class HTTP1Wire: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// What the connection handler is told (as an error, which it logs and closes on).
    struct BytesDuringStream: Error, CustomStringConvertible {
        let count: Int
        var description: String { "\(count) request bytes arrived during an event stream" }
    }

    /// Set while the codec is out of the pipeline: inbound bytes have no decoder to go to.
    var refusesBytes = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard refusesBytes else {
            context.fireChannelRead(data)
            return
        }
        refusesBytes = false  // once: the close that follows is all the answer they get
        context.fireErrorCaught(BytesDuringStream(count: unwrapInboundIn(data).readableBytes))
    }
}
