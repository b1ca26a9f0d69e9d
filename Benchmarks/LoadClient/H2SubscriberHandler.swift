import GatewayHTTP2
import GatewayTLS
import NIOCore

/// Opens `streams` SSE subscriptions on one HTTP/2 connection and feeds their bodies to the loop's
/// recorder. Output (WINDOW_UPDATEs, requests) is collected once per read burst and written in one go.
final class H2SubscriberHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let recorder: LoopRecorder
    private let requests: [(path: String, channel: Int)]
    private let authority: String
    private let waitsForTLS: Bool
    private let ready: EventLoopPromise<Void>
    private var session: HTTP2ClientSession?
    /// The recorder's stream index for each open stream, at `(id - 1) / 2` (client stream ids are odd and
    /// ascending, RFC 9113 §5.1.1), -1 once closed. An array, not a dictionary: it is read once per DATA
    /// frame, that is once per event.
    private var trackerByStream: [Int] = []
    private var pendingResponses = 0
    private var output = ByteBuffer()
    private var readyCompleted = false

    init(recorder: LoopRecorder, requests: [(path: String, channel: Int)], authority: String, tls: Bool,
         ready: EventLoopPromise<Void>) {
        self.recorder = recorder
        self.requests = requests
        self.authority = authority
        self.waitsForTLS = tls
        self.ready = ready
    }

    func channelActive(context: ChannelHandlerContext) {
        if !self.waitsForTLS {
            self.start(context: context)
        }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is TLSHandshakeCompleted {
            self.start(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func start(context: ChannelHandlerContext) {
        guard self.session == nil else { return }
        do {
            let session = try HTTP2ClientSession()
            self.session = session
            for request in self.requests {
                guard let id = session.startRequest(
                    method: "GET", path: request.path, authority: self.authority,
                    headers: [("accept", "text/event-stream")])
                else { break }
                let slot = Self.slot(id.rawValue)
                while self.trackerByStream.count <= slot { self.trackerByStream.append(-1) }
                self.trackerByStream[slot] = self.recorder.addStream(channel: request.channel)
                self.pendingResponses += 1
            }
            self.flushOutput(context: context)
        } catch {
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let session = self.session else { return }
        do {
            try session.receive(self.unwrapInboundIn(data))
        } catch {
            context.close(promise: nil)
            return
        }
        session.drainEvents { event in
            switch event {
            case .data(let id, let bytes):
                guard let index = self.tracker(id.rawValue) else { return }
                self.recorder.bodyReceived(index, bytes)
            case .event(.response(let id, let status, _)):
                guard let index = self.tracker(id.rawValue) else { return }
                self.recorder.streamOpened(index, status: status)
                self.responseArrived()
            case .event(.streamClosed(let id, _)):
                guard let index = self.tracker(id.rawValue) else { return }
                self.trackerByStream[Self.slot(id.rawValue)] = -1
                if !self.recorder.streams[index].opened {
                    self.recorder.failedStreams += 1
                    self.responseArrived()
                }
                self.recorder.streamClosed(index)
            case .event(.data), .event(.goAwayReceived):
                break
            }
        }
    }

    /// Where stream `id`'s tracker is kept in `trackerByStream`.
    private static func slot(_ id: Int32) -> Int { Int(id - 1) / 2 }

    /// The recorder's index for an open stream of ours, or nil.
    private func tracker(_ id: Int32) -> Int? {
        guard id > 0, id & 1 == 1 else { return nil }
        let slot = Self.slot(id)
        guard slot < self.trackerByStream.count, self.trackerByStream[slot] >= 0 else { return nil }
        return self.trackerByStream[slot]
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.flushOutput(context: context)
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        for index in self.trackerByStream where index >= 0 {
            self.recorder.streamClosed(index)
        }
        self.trackerByStream.removeAll()
        self.completeReady(ChannelError.eof)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.completeReady(error)
        context.close(promise: nil)
    }

    private func responseArrived() {
        self.pendingResponses -= 1
        if self.pendingResponses == 0 {
            self.completeReady(nil)
        }
    }

    private func completeReady(_ error: Error?) {
        guard !self.readyCompleted else { return }
        self.readyCompleted = true
        if let error {
            self.ready.fail(error)
        } else {
            self.ready.succeed(())
        }
    }

    private func flushOutput(context: ChannelHandlerContext) {
        guard let session = self.session, session.wantsWrite else { return }
        self.output.clear()
        do {
            if try session.collectOutput(into: &self.output, maxBytes: 1 << 20) > 0 {
                context.writeAndFlush(self.wrapOutboundOut(self.output), promise: nil)
            }
        } catch {
            context.close(promise: nil)
        }
    }
}
