import Foundation
import GatewayTLS
import NIOCore
import NIOPosix
import Synchronization

/// A real SSE origin on loopback for tests: numbered events with ids `1`, `2`, …, replay from its own
/// history after `Last-Event-ID`, scripted answers (204, 404, 500…), and stop/restart on the same port.
/// HTTP/1.1, plain or TLS (a development CA in a temp folder), and HTTP/2 over TLS when started with an
/// `http2` handler factory (`TestOrigin+HTTP2.swift`, upstream tests only). Speaks raw HTTP/1.1 (no
/// NIOHTTP1, no GatewayHTTP2 here). Shared by the upstream and the gateway test targets.
public final class TestOrigin: Sendable {
    public enum Answer: Sendable, Equatable {
        case stream
        case status(Int)
        /// 200 with this content type and a small body.
        case wrongType(String)
    }

    public struct Request: Sendable {
        public var target: String
        public var headers: [(name: String, value: String)]
        public func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name }?.value }
    }

    private struct State {
        var history: [(id: Int, data: String)] = []
        var streams: [OriginStream] = []
        var answer: Answer = .stream
        var retryMilliseconds: Int?
        var requests: [Request] = []
        var connections = 0
        /// SNI names clients sent, one per TLS handshake (empty string: none).
        var serverNames: [String] = []
        var server: (any Channel)?
        /// While stopped: a socket bound to the port but not listening (`PortReservation`).
        var reservation: PortReservation?
        /// What each `stop()` did to the open streams, for a failing test to say (see `stopReport`).
        var stopReport: [String] = []
    }

    /// One open event stream: its connection, and how to send it more bytes from any thread.
    public final class OriginStream: Sendable {
        public let channel: any Channel
        public let send: @Sendable (ByteBuffer) -> Void
        public init(channel: any Channel, send: @escaping @Sendable (ByteBuffer) -> Void) {
            self.channel = channel
            self.send = send
        }
    }

    /// What a request gets, decided under the origin's lock.
    public enum Decision {
        case status(Int)
        case wrongType(String)
        /// Opened: the handler sent `initial` (replay after the request's Last-Event-ID) and registered.
        case stream
    }

    public typealias HTTP2HandlerFactory = @Sendable (TestOrigin) -> any ChannelHandler

    public let group: MultiThreadedEventLoopGroup
    public let tls: TLSServerContext?
    private let http2: HTTP2HandlerFactory?
    /// The CA file that verifies this origin's certificate (TLS only).
    public let caPath: String?
    public let directory: String
    private let state = Mutex(State())
    private let boundPort = Mutex(0)

    public var port: Int { boundPort.withLock { $0 } }
    public var url: String { "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)" }
    /// TCP connections accepted since start (across restarts).
    public var connectionCount: Int { state.withLock { $0.connections } }
    public var requests: [Request] { state.withLock { $0.requests } }
    public var openStreams: Int { state.withLock { $0.streams.count } }
    /// One line per stream each `stop()` closed (its peer, and whether the close succeeded), so a test whose
    /// client never noticed an origin restart can tell "never closed" from "closed, not noticed".
    public var stopReport: [String] { state.withLock { $0.stopReport } }
    public var serverNames: [String] { state.withLock { $0.serverNames } }

    private init(tls: Bool, http2: HTTP2HandlerFactory?, names: [String]) throws {
        self.http2 = http2
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-origin-\(UUID().uuidString)").path
        if tls {
            let files = try DevelopmentCertificateAuthority.ensure(directory: directory, names: names)
            self.tls = try TLSServerContext(
                certificates: [TLSCertificateFiles(certificatePath: files.certificatePath, keyPath: files.keyPath)],
                alpnProtocols: http2 == nil ? ["http/1.1"] : ["h2", "http/1.1"])
            caPath = files.caCertificatePath
        } else {
            self.tls = nil
            caPath = nil
        }
    }

    /// `names`: the certificate's subject alternative names (TLS only).
    public static func start(tls: Bool = false, http2: HTTP2HandlerFactory? = nil, names: [String] = ["localhost", "127.0.0.1"]) async throws -> TestOrigin {
        let origin = try TestOrigin(tls: tls || http2 != nil, http2: http2, names: names)
        try await origin.bind(port: 0)
        return origin
    }

    /// Sets what the next requests get.
    public func answer(_ answer: Answer) { state.withLock { $0.answer = answer } }
    /// A `retry:` line sent at the start of every stream.
    public func sendRetry(milliseconds: Int?) { state.withLock { $0.retryMilliseconds = milliseconds } }

    /// Appends events to history and sends them to every open stream. Returns the ids.
    @discardableResult
    public func publish(_ count: Int = 1, prefix: String = "event") -> [Int] {
        state.withLock { state in
            var ids: [Int] = []
            var bytes = ByteBuffer()
            for _ in 0..<count {
                let id = state.history.count + 1
                state.history.append((id, "\(prefix) \(id)"))
                ids.append(id)
                Self.write(id: id, data: "\(prefix) \(id)", into: &bytes)
            }
            for stream in state.streams { stream.send(bytes) }
            return ids
        }
    }

    /// Sends raw bytes to current streams only (not kept in history): oversize events, odd framing.
    public func sendRaw(_ text: String) {
        state.withLock { state in
            for stream in state.streams { stream.send(ByteBuffer(string: text)) }
        }
    }

    /// Closes the listener and every connection (the origin "dies"); history is kept for the restart.
    public func stop() async {
        let (server, streams) = state.withLock { state in
            defer { state.server = nil; state.streams = [] }
            return (state.server, state.streams)
        }
        try? await server?.close()
        if server != nil {
            let reservation = PortReservation(port: port)
            state.withLock { $0.reservation = reservation }
        }
        var report = ["stop: \(streams.count) open stream(s), listener \(server == nil ? "already closed" : "closed")"]
        for stream in streams {
            let peer = stream.channel.remoteAddress.map { "\($0)" } ?? "?"
            do {
                try await stream.channel.close()
                report.append("closed the stream to \(peer)")
            } catch {
                report.append("closing the stream to \(peer) failed: \(error)")
            }
        }
        state.withLock { $0.stopReport += report }
    }

    /// Listens again on the same port: on the reserved socket when there is one, so no other test's
    /// listener can have taken the port while this origin was down.
    public func restart() async throws {
        let reservation = state.withLock { state in
            defer { state.reservation = nil }
            return state.reservation
        }
        try await bind(port: port, reserved: reservation?.takeDescriptor())
    }

    public func shutdown() async {
        await stop()
        state.withLock { $0.reservation = nil }
        try? await group.shutdownGracefully()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func bind(port: Int, reserved: CInt? = nil) async throws {
        let tls = self.tls
        let http2 = self.http2
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    self.state.withLock { $0.connections += 1 }
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        try pipeline.addHandler(TLSHandler(context: tls))
                        try pipeline.addHandler(OriginProtocolSelection(origin: self, http2: http2))
                    } else {
                        try pipeline.addHandler(OriginHandler(origin: self))
                    }
                }
            }
        let channel = try await (reserved.map { bootstrap.withBoundSocket($0) } ?? bootstrap.bind(host: "127.0.0.1", port: port)).get()
        boundPort.withLock { $0 = channel.localAddress?.port ?? 0 }
        state.withLock { $0.server = channel }
    }

    /// Records the request and decides its answer. For a stream, `open` runs under the lock with the
    /// replay bytes (the handler sends its response head and them), then `stream` is registered, so a
    /// concurrent `publish` can neither slip between replay and registration nor be sent twice.
    public func decide(_ request: Request, stream: OriginStream, open: (ByteBuffer) -> Void) -> Decision {
        state.withLock { state in
            state.requests.append(request)
            switch state.answer {
            case .status(let status):
                return .status(status)
            case .wrongType(let type):
                return .wrongType(type)
            case .stream:
                var bytes = ByteBuffer(string: ":origin\n\n")
                if let retry = state.retryMilliseconds { bytes.writeString("retry: \(retry)\n\n") }
                let after = request.header("last-event-id").flatMap { Int($0) } ?? 0
                for event in state.history where event.id > after { Self.write(id: event.id, data: event.data, into: &bytes) }
                open(bytes)
                state.streams.append(stream)
                return .stream
            }
        }
    }

    /// A connection closed (called off the lock: closing can happen inside a write made under it).
    public func closed(_ channel: any Channel) {
        state.withLock { $0.streams.removeAll { $0.channel === channel } }
    }

    public func handshakeCompleted(serverName: String?) {
        state.withLock { $0.serverNames.append(serverName ?? "") }
    }

    /// One stream of a multiplexed connection ended.
    public func closed(_ stream: OriginStream) {
        state.withLock { $0.streams.removeAll { $0 === stream } }
    }

    private static func write(id: Int, data: String, into buffer: inout ByteBuffer) {
        buffer.writeString("id: \(id)\nevent: tick\ndata: \(data)\n\n")
    }
}

/// After the TLS handshake: HTTP/2 when the client chose `h2` (and the origin has an HTTP/2 handler), else HTTP/1.1.
private final class OriginProtocolSelection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    let origin: TestOrigin
    let http2: TestOrigin.HTTP2HandlerFactory?

    init(origin: TestOrigin, http2: TestOrigin.HTTP2HandlerFactory?) {
        self.origin = origin
        self.http2 = http2
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let handshake = event as? TLSHandshakeCompleted {
            origin.handshakeCompleted(serverName: handshake.serverName)
            let pipeline = context.pipeline.syncOperations
            if handshake.negotiatedProtocol == "h2", let http2 {
                try? pipeline.addHandler(http2(origin))
            } else {
                try? pipeline.addHandler(OriginHandler(origin: origin))
            }
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// Reads one request head (`GET /path HTTP/1.1`, headers, blank line) from raw bytes.
private final class OriginHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let origin: TestOrigin
    var received = ""
    var answered = false

    init(origin: TestOrigin) { self.origin = origin }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        received += String(buffer: unwrapInboundIn(data))
        guard let end = received.range(of: "\r\n\r\n") else { return }
        answered = true
        let lines = received[..<end.lowerBound].components(separatedBy: "\r\n")
        let target = lines.first?.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
        let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let channel = context.channel
        let stream = TestOrigin.OriginStream(channel: channel) { bytes in channel.writeAndFlush(bytes, promise: nil) }
        let decision = origin.decide(TestOrigin.Request(target: target, headers: headers), stream: stream) { replay in
            // No content-length and no chunking: the body runs until the connection closes (RFC 9112 §6.3).
            var bytes = ByteBuffer(string: "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n")
            var replay = replay
            bytes.writeBuffer(&replay)
            context.writeAndFlush(NIOAny(bytes), promise: nil)
        }
        let head: String
        switch decision {
        case .stream: return
        case .status(let status): head = "HTTP/1.1 \(status) Scripted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        case .wrongType(let type): head = "HTTP/1.1 200 OK\r\ncontent-type: \(type)\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}"
        }
        context.writeAndFlush(NIOAny(ByteBuffer(string: head))).whenComplete { _ in channel.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Later, not now: a close can happen inside a write made under the origin's lock.
        let (origin, channel) = (self.origin, context.channel)
        context.eventLoop.execute { origin.closed(channel) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
