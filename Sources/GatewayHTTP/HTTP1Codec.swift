import NIOCore
import NIOHTTP1

/// NIO's HTTP/1.1 server handlers as one set: put in above `HTTP1Wire` when a connection starts and after
/// each event stream, taken out while a stream runs (see `HTTP1Wire` for why).
enum HTTP1Codec {
    /// Decoder, encoder, pipelining assistance, response-header validation and protocol-error answers,
    /// just above the wire.
    static func install(_ pipeline: ChannelPipeline.SynchronousOperations, above wire: HTTP1Wire) throws {
        try pipeline.configureHTTPServerPipeline(position: .after(wire), withPipeliningAssistance: true, withErrorHandling: true)
    }

    /// Takes the set out. The handlers above the decoder leave at once, top down, so what they still hold
    /// (a request the pipelining handler buffered) goes straight to the connection handler. The decoder
    /// leaves a loop turn later (NIO defers it, to decode what it still buffers); the future completes then.
    static func remove(_ pipeline: ChannelPipeline.SynchronousOperations) -> EventLoopFuture<Void> {
        removeNow(HTTPServerProtocolErrorHandler.self, from: pipeline)
        removeNow(NIOHTTPResponseHeadersValidator.self, from: pipeline)
        removeNow(HTTPServerPipelineHandler.self, from: pipeline)
        removeNow(HTTPResponseEncoder.self, from: pipeline)
        let decoderLeft = pipeline.eventLoop.makePromise(of: Void.self)
        if let decoder = try? pipeline.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self) {
            pipeline.removeHandler(context: decoder, promise: decoderLeft)
        } else {
            decoderLeft.succeed()
        }
        return decoderLeft.futureResult
    }

    private static func removeNow<Handler: RemovableChannelHandler>(_ type: Handler.Type, from pipeline: ChannelPipeline.SynchronousOperations) {
        guard let context = try? pipeline.context(handlerType: type) else { return }
        pipeline.removeHandler(context: context, promise: nil)
    }
}
