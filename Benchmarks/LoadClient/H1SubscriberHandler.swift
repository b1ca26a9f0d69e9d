import GatewayTLS
import NIOCore

/// One SSE subscription over HTTP/1.1 (TLS or plaintext): a GET, then a hand parse of the response head
/// and the chunked (or close-delimited) body, whose bytes go to the loop's recorder.
final class H1SubscriberHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case idle, head, chunkSize, chunkData(remaining: Int), chunkDataEnd, closeDelimited, done
    }

    private let recorder: LoopRecorder
    private let request: (path: String, channel: Int)
    private let authority: String
    private let waitsForTLS: Bool
    private let ready: EventLoopPromise<Void>
    private var readyCompleted = false
    private var tracker = -1
    private var state = State.idle
    private var pending = ByteBuffer()
    private var chunked = false

    init(recorder: LoopRecorder, request: (path: String, channel: Int), authority: String, tls: Bool,
         ready: EventLoopPromise<Void>) {
        self.recorder = recorder
        self.request = request
        self.authority = authority
        self.waitsForTLS = tls
        self.ready = ready
    }

    func channelActive(context: ChannelHandlerContext) {
        if !self.waitsForTLS { self.start(context: context) }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is TLSHandshakeCompleted { self.start(context: context) }
        context.fireUserInboundEventTriggered(event)
    }

    private func start(context: ChannelHandlerContext) {
        guard case .idle = self.state else { return }
        self.state = .head
        self.tracker = self.recorder.addStream(channel: self.request.channel)
        var head = context.channel.allocator.buffer(capacity: 160)
        head.writeString(
            "GET \(self.request.path) HTTP/1.1\r\nHost: \(self.authority)\r\nAccept: text/event-stream\r\n\r\n")
        context.writeAndFlush(self.wrapOutboundOut(head), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = self.unwrapInboundIn(data)
        if case .closeDelimited = self.state {
            self.recorder.bodyReceived(self.tracker, bytes)
            return
        }
        self.pending.writeBuffer(&bytes)
        while self.step() {}
        self.pending.discardReadBytes()
    }

    /// Advances the parse by one element of the response; false when more bytes are needed.
    private func step() -> Bool {
        switch self.state {
        case .idle, .done, .closeDelimited:
            return false
        case .head:
            guard let end = self.pending.readableBytesView.firstRange(of: "\r\n\r\n".utf8) else { return false }
            let length = end.upperBound - self.pending.readerIndex
            let head = self.pending.readString(length: length) ?? ""
            let status = Int(head.split(separator: " ", maxSplits: 2).dropFirst().first ?? "") ?? 0
            self.chunked = head.lowercased().contains("transfer-encoding: chunked")
            self.recorder.streamOpened(self.tracker, status: status)
            self.completeReady(status == 200 ? nil : ChannelError.eof)
            self.state = self.chunked ? .chunkSize : .closeDelimited
            if !self.chunked, self.pending.readableBytes > 0 {
                self.recorder.bodyReceived(self.tracker, self.pending)
                self.pending.clear()
            }
            return self.chunked
        case .chunkSize:
            guard let end = self.pending.readableBytesView.firstRange(of: "\r\n".utf8) else { return false }
            let line = self.pending.readString(length: end.lowerBound - self.pending.readerIndex) ?? ""
            self.pending.moveReaderIndex(forwardBy: 2)
            let size = Int(line.split(separator: ";").first ?? "", radix: 16) ?? 0
            self.state = size == 0 ? .done : .chunkData(remaining: size)
            return size != 0
        case .chunkData(let remaining):
            let count = min(remaining, self.pending.readableBytes)
            guard count > 0, let slice = self.pending.readSlice(length: count) else { return false }
            self.recorder.bodyReceived(self.tracker, slice)
            self.state = count == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - count)
            return true
        case .chunkDataEnd:
            guard self.pending.readableBytes >= 2 else { return false }
            self.pending.moveReaderIndex(forwardBy: 2)
            self.state = .chunkSize
            return true
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if self.tracker >= 0 { self.recorder.streamClosed(self.tracker) }
        self.completeReady(ChannelError.eof)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.completeReady(error)
        context.close(promise: nil)
    }

    private func completeReady(_ error: Error?) {
        guard !self.readyCompleted else { return }
        self.readyCompleted = true
        if let error { self.ready.fail(error) } else { self.ready.succeed(()) }
    }
}
