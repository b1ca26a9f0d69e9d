import NIOCore
import NIOHTTP1
import NIOPosix

/// Publishes at a fixed rate over a few plaintext HTTP/1.1 keep-alive connections, on its own loop so
/// that receiving never delays a publish (and its timestamp).
///
/// Every tick (1 ms) sends what is due since the start (`rate × elapsed`), channels in turn. A publish
/// waits for an idle connection; the timestamp in the body is taken when it is written.
final class Publisher: @unchecked Sendable {
    struct Endpoint {
        var address: SocketAddress
        var host: String
        /// `{channel}` is replaced by the channel name.
        var pathPattern: String
    }

    let loop: EventLoop
    private let group: MultiThreadedEventLoopGroup
    private let endpoint: Endpoint
    private let run: UInt32
    private let channelPrefix: String
    private let size: Int
    private let verified: Bool
    private var connections: [PublishConnection] = []
    private var idle: [PublishConnection] = []
    /// Due publishes not yet written: channel and scheduled time.
    private var waiting: [(channel: Int, scheduled: UInt64)] = []
    private var waitingHead = 0
    /// Accepted (2xx) publishes per channel: what every subscriber of that channel should receive.
    private(set) var accepted: [Int]
    private var nextSequence: [Int]
    private(set) var failed = 0
    private(set) var due = 0
    private(set) var sent = 0
    private(set) var maxBacklog = 0
    private(set) var firstSent: UInt64 = 0
    private(set) var lastAnswered: UInt64 = 0

    init(endpoint: Endpoint, run: UInt32, channelPrefix: String, channelCount: Int, size: Int, verified: Bool) {
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.loop = self.group.next()
        self.endpoint = endpoint
        self.run = run
        self.channelPrefix = channelPrefix
        self.size = size
        self.verified = verified
        self.accepted = Array(repeating: 0, count: channelCount)
        self.nextSequence = Array(repeating: 0, count: channelCount)
    }

    /// Opens `count` connections.
    func connect(count: Int) throws {
        for _ in 0..<count {
            let handler = PublishConnection()
            let channel = try ClientBootstrap(group: self.loop)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(to: self.endpoint.address).wait()
            _ = channel
            try self.loop.submit {
                self.connections.append(handler)
                self.idle.append(handler)
            }.wait()
        }
    }

    /// Publishes `rate` events per second for `seconds`; returns when the last one is answered.
    func publish(rate: Double, seconds: Double) throws {
        let start = monotonicNanoseconds()
        let total = Int(rate * seconds)
        let done = self.loop.makePromise(of: Void.self)
        let channelCount = self.accepted.count
        let interval: TimeAmount = rate >= 1000 ? .microseconds(500) : .milliseconds(1)
        self.loop.execute {
            self.loop.scheduleRepeatedTask(initialDelay: .zero, delay: interval) { task in
                let elapsed = Double(monotonicNanoseconds() - start) / 1e9
                let nowDue = min(total, Int(elapsed * rate) + 1)
                while self.due < nowDue {
                    let scheduled = start + UInt64(Double(self.due) / rate * 1e9)
                    self.waiting.append((channel: self.due % channelCount, scheduled: scheduled))
                    self.due += 1
                }
                self.maxBacklog = max(self.maxBacklog, self.waitingCount - self.idle.count)
                self.sendWaiting()
                if self.due == total {
                    task.cancel()
                    self.whenAllAnswered(total: total, done)
                }
            }
        }
        try done.futureResult.wait()
    }

    private func whenAllAnswered(total: Int, _ done: EventLoopPromise<Void>) {
        if self.waitingCount == 0 && self.idle.count == self.connections.count {
            done.succeed(())
        } else {
            self.loop.scheduleTask(in: .milliseconds(1)) { self.whenAllAnswered(total: total, done) }
        }
    }

    private func sendWaiting() {
        while self.waitingCount > 0, let connection = self.idle.popLast() {
            let (channel, scheduled) = self.waiting[self.waitingHead]
            self.waitingHead += 1
            if self.waitingHead == self.waiting.count {
                self.waiting.removeAll(keepingCapacity: true)
                self.waitingHead = 0
            }
            if self.firstSent == 0 { self.firstSent = monotonicNanoseconds() }
            let sequence = self.nextSequence[channel]
            self.nextSequence[channel] += 1
            let body = EventPayload.body(
                run: self.run, channel: channel, sequence: sequence, scheduled: scheduled, size: self.size,
                verified: self.verified)
            let path = self.endpoint.pathPattern.replacingOccurrences(
                of: "{channel}", with: "\(self.channelPrefix)\(channel)")
            self.sent += 1
            connection.send(path: path, host: self.endpoint.host, body: body) { status in
                if (200..<300).contains(status) {
                    self.accepted[channel] += 1
                } else {
                    self.failed += 1
                }
                self.lastAnswered = monotonicNanoseconds()
                self.idle.append(connection)
                self.sendWaiting()
            }
        }
    }

    private var waitingCount: Int { self.waiting.count - self.waitingHead }

    /// Publishes answered per second, from the first write to the last answer.
    var achievedRate: Double {
        guard self.lastAnswered > self.firstSent else { return 0 }
        return Double(self.accepted.reduce(0, +) + self.failed) / (Double(self.lastAnswered - self.firstSent) / 1e9)
    }

    /// Reads a property on the publisher's loop.
    func read<T: Sendable>(_ body: @escaping @Sendable (Publisher) -> T) -> T {
        try! self.loop.submit { body(self) }.wait()
    }

    func shutdown() {
        try? self.group.syncShutdownGracefully()
    }
}

/// One keep-alive publish connection: a request at a time, its completion called with the status
/// (0 when the connection failed).
final class PublishConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private var context: ChannelHandlerContext?
    private var completion: ((Int) -> Void)?
    private var status = 0

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func send(path: String, host: String, body: ByteBuffer, completion: @escaping (Int) -> Void) {
        guard let context = self.context else {
            completion(0)
            return
        }
        self.completion = completion
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
        head.headers.add(name: "Host", value: host)
        head.headers.add(name: "Content-Type", value: "text/plain")
        head.headers.add(name: "Content-Length", value: String(body.readableBytes))
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        context.write(self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.status = Int(head.status.code)
        case .body:
            break
        case .end:
            let completion = self.completion
            self.completion = nil
            completion?(self.status)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.context = nil
        let completion = self.completion
        self.completion = nil
        completion?(0)
    }
}
