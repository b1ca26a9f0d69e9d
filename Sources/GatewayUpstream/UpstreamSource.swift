import GatewaySSE
import GatewayTLS
import NIOCore
import NIOPosix

/// One upstream event stream kept open: connect, request, parse, deliver, and reconnect per
/// `ReconnectBackoff` with the `Last-Event-ID` of the last event received, until stopped or a final answer.
///
/// Lives on one event loop; `start` and `stop` may be called from anywhere. Each connection attempt gets a
/// number, and callbacks from an older attempt (a late close of a connection we gave up on) are ignored,
/// so exactly one connection is ever live.
public final class UpstreamSource: @unchecked Sendable {
    public let configuration: UpstreamSourceConfiguration
    public let eventLoop: any EventLoop
    private let sink: any UpstreamSink
    private var backoff: ReconnectBackoff
    private var attempt = 0
    private var channel: (any Channel)?
    private var timer: Scheduled<Void>?
    private var parser: EventStreamParser
    /// The id sent as `Last-Event-ID` on the next request (WHATWG: the last event ID string persists
    /// across reconnections of one EventSource).
    public private(set) var lastEventID: String?
    /// Connections opened so far (tests, metrics).
    public private(set) var connectionsOpened = 0

    public init(configuration: UpstreamSourceConfiguration, eventLoop: any EventLoop, sink: any UpstreamSink,
                randomUnit: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.sink = sink
        self.backoff = ReconnectBackoff(initial: configuration.reconnectInitial, maximum: configuration.reconnectMaximum, randomUnit: randomUnit)
        self.parser = Self.makeParser(configuration)
        self.lastEventID = configuration.lastEventID
    }

    public func start() {
        eventLoop.execute { self.perform(self.backoff.start()) }
    }

    /// Closes the connection and cancels any pending reconnect. Idempotent.
    public func stop() {
        eventLoop.execute { self.perform(self.backoff.stop()) }
    }

    /// The backoff state, read on the loop (tests).
    public var state: EventLoopFuture<ReconnectBackoff.State> {
        eventLoop.submit { self.backoff.state }
    }

    private func perform(_ action: ReconnectBackoff.Action) {
        eventLoop.preconditionInEventLoop()
        switch action {
        case .connect:
            connect()
        case .reconnect(let delay):
            closeChannel()
            timer = eventLoop.scheduleTask(in: TimeAmount(delay)) { [self] in
                timer = nil
                perform(backoff.timerFired())
            }
        case .reportFinalFailure:
            closeChannel()
        case .closeConnection:
            closeChannel()
            timer?.cancel()
            timer = nil
        case .none:
            timer?.cancel()
            timer = nil
        }
    }

    private func closeChannel() {
        attempt += 1  // whatever the old channel still reports is stale from now on
        channel?.close(promise: nil)
        channel = nil
    }

    // MARK: Connecting

    private func connect() {
        attempt += 1
        let number = attempt
        parser = Self.makeParser(configuration)
        let endpoint = configuration.endpoint
        let head = requestHead()
        let tls = endpoint.secure ? configuration.tls : nil
        if endpoint.secure, tls == nil {
            lost(.tlsFailed("no TLS context for an https origin"), attempt: number)
            return
        }
        let readTimeout = TimeAmount(configuration.readTimeout)
        let connectTimeout = TimeAmount(configuration.connectTimeout)
        ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    // Below TLS, so any bytes from the origin (even a TLS record of a comment) count as life.
                    try pipeline.addHandler(IdleStateHandler(readTimeout: readTimeout))
                    if let tls {
                        // SNI and the name check use the URL's host; ALPN then picks h2 or HTTP/1.1.
                        try pipeline.addHandler(TLSHandler(context: tls, serverName: endpoint.host, handshakeTimeout: connectTimeout))
                        try pipeline.addHandler(UpstreamProtocolSelection(source: self, attempt: number, request: head))
                    } else {
                        // Plain http:// origins speak HTTP/1.1 (h2c needs prior knowledge we cannot assume).
                        try pipeline.addHTTPClientHandlers()
                        try pipeline.addHandler(UpstreamHTTP1Handler(source: self, attempt: number, request: head))
                    }
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .hop(to: eventLoop)
            .assumeIsolated()
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    guard number == attempt else {
                        channel.close(promise: nil)  // stopped while connecting
                        return
                    }
                    self.channel = channel
                    connectionsOpened += 1
                case .failure(let error):
                    lost(.connectFailed("\(error)"), attempt: number)
                }
            }
    }

    private func requestHead() -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            ("host", configuration.endpoint.authority),
            ("accept", "text/event-stream"),
            ("cache-control", "no-cache"),
        ]
        if let lastEventID, !lastEventID.isEmpty { headers.append(("last-event-id", lastEventID)) }
        headers += configuration.headers
        return headers
    }

    // MARK: Reports from the connection (on the loop)

    func responseReceived(status: Int, contentType: String?, protocol version: String, attempt number: Int) -> Bool {
        guard number == attempt else { return false }
        switch UpstreamResponseRule.classify(status: status, contentType: contentType) {
        case .stream:
            backoff.responseAccepted()
            sink.upstreamStateChanged(.streaming(protocol: version))
            return true
        case .retry(let problem):
            lost(problem, attempt: number)
            return false
        case .final(let problem):
            perform(backoff.finalResponse())
            sink.upstreamFailed(problem)
            return false
        }
    }

    /// Lines and events are both bounded by `maxEventBytes`, the event while its `data:` lines accumulate
    /// (an origin that never sends the blank line is cut off at the limit, not at dispatch).
    private static func makeParser(_ configuration: UpstreamSourceConfiguration) -> EventStreamParser {
        EventStreamParser(maxLineBytes: configuration.maxEventBytes, maxEventBytes: configuration.maxEventBytes)
    }

    func bodyReceived(_ bytes: ByteBuffer, attempt number: Int) {
        guard number == attempt else { return }
        var parsed: [EventStreamParser.Event] = []
        var failure: EventStreamParser.ParseError?
        do {
            try parser.feed(bytes.readableBytesView, into: &parsed)
        } catch {
            failure = error
        }
        if let retry = parser.retryMilliseconds, retry != backoff.retryHint { backoff.retryHintReceived(milliseconds: retry) }
        // Events completed before an oversized line or event still count.
        if !parsed.isEmpty {
            deliver(parsed.map { UpstreamEvent(type: $0.type, data: $0.data, id: $0.lastEventID) })
        }
        if failure != nil {
            lost(.eventTooLarge(limit: configuration.maxEventBytes), attempt: number)
        }
    }

    private func deliver(_ events: [UpstreamEvent]) {
        if let id = events.last?.id, !id.isEmpty { lastEventID = id }
        backoff.eventReceived()
        sink.upstreamReceived(events)
    }

    /// The connection ended or failed for a reason worth a retry.
    func lost(_ problem: UpstreamProblem, attempt number: Int) {
        guard number == attempt else { return }
        let action = backoff.connectionLost()
        if case .reconnect(let delay) = action {
            sink.upstreamStateChanged(.reconnecting(problem, retryAfter: delay))
        }
        perform(action)
    }
}
