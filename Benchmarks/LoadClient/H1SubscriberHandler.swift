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
        // Parse straight from the read; only an incomplete tail is kept for the next one. The client shares
        // the cores with the server it measures, so its own cost per event must not depend on the framing
        // (a copy and two strings per chunk made ssegate's chunked streams cost the client more than nchan's
        // close-delimited ones, and that CPU was taken from the servers' latency).
        if self.pending.readableBytes == 0 {
            while self.step(&bytes) {}
            if bytes.readableBytes > 0 { self.pending.writeBuffer(&bytes) }
        } else {
            self.pending.writeBuffer(&bytes)
            while self.step(&self.pending) {}
            self.pending.discardReadBytes()
        }
    }

    /// Advances the parse of `buffer` by one element of the response; false when more bytes are needed.
    private func step(_ buffer: inout ByteBuffer) -> Bool {
        switch self.state {
        case .idle, .done, .closeDelimited:
            return false
        case .head:
            guard let end = buffer.readableBytesView.firstRange(of: "\r\n\r\n".utf8) else { return false }
            let length = end.upperBound - buffer.readerIndex
            let head = buffer.readString(length: length) ?? ""
            let status = Int(head.split(separator: " ", maxSplits: 2).dropFirst().first ?? "") ?? 0
            self.chunked = head.lowercased().contains("transfer-encoding: chunked")
            self.recorder.streamOpened(self.tracker, status: status)
            self.completeReady(status == 200 ? nil : ChannelError.eof)
            self.state = self.chunked ? .chunkSize : .closeDelimited
            if !self.chunked, buffer.readableBytes > 0 {
                self.recorder.bodyReceived(self.tracker, buffer)
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            }
            return self.chunked
        case .chunkSize:
            guard let (size, lineLength) = Self.chunkSizeLine(buffer.readableBytesView) else { return false }
            buffer.moveReaderIndex(forwardBy: lineLength)
            self.state = size == 0 ? .done : .chunkData(remaining: size)
            return size != 0
        case .chunkData(let remaining):
            let count = min(remaining, buffer.readableBytes)
            guard count > 0, let slice = buffer.readSlice(length: count) else { return false }
            self.recorder.bodyReceived(self.tracker, slice)
            self.state = count == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - count)
            return true
        case .chunkDataEnd:
            guard buffer.readableBytes >= 2 else { return false }
            buffer.moveReaderIndex(forwardBy: 2)
            self.state = .chunkSize
            return true
        }
    }

    /// A chunk-size line (`<hex>[;extensions]\r\n`): the size and the line's length with its CRLF, or nil
    /// while the line is incomplete. A line that is not hex reads as size 0, which ends the body.
    static func chunkSizeLine(_ bytes: ByteBufferView) -> (size: Int, length: Int)? {
        var size = 0
        var inDigits = true
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") {
                return (size, index - bytes.startIndex + 1)
            }
            if inDigits, let digit = Self.hexValue(byte), size < Int.max >> 4 {
                size = size << 4 | digit
            } else {
                inDigits = false
            }
            index += 1
        }
        return nil
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A") + 10)
        default: nil
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
