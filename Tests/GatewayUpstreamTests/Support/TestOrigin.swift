import Foundation
import GatewayTLS
import NIOCore
import NIOPosix
import Synchronization

/// A real SSE origin on loopback for tests: numbered events with ids `1`, `2`, …, replay from its own
/// history after `Last-Event-ID`, scripted answers (204, 404, 500…), and stop/restart on the same port.
/// HTTP/1.1, plain or TLS (a development CA in a temp folder). Speaks raw HTTP/1.1 (no NIOHTTP1), so the
/// gateway's test target can share this file.
final class TestOrigin: Sendable {
    enum Answer: Sendable, Equatable {
        case stream
        case status(Int)
        /// 200 with this content type and a small body.
        case wrongType(String)
    }

    struct Request: Sendable {
        var target: String
        var headers: [(name: String, value: String)]
        func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name }?.value }
    }

    private struct State {
        var history: [(id: Int, data: String)] = []
        var streams: [any Channel] = []
        var answer: Answer = .stream
        var retryMilliseconds: Int?
        var requests: [Request] = []
        var connections = 0
        var server: (any Channel)?
    }

    let group: MultiThreadedEventLoopGroup
    let tls: TLSServerContext?
    /// The CA file that verifies this origin's certificate (TLS only).
    let caPath: String?
    let directory: String
    private let state = Mutex(State())
    private let boundPort = Mutex(0)

    var port: Int { boundPort.withLock { $0 } }
    var url: String { "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)" }
    /// TCP connections accepted since start (across restarts).
    var connectionCount: Int { state.withLock { $0.connections } }
    var requests: [Request] { state.withLock { $0.requests } }
    var openStreams: Int { state.withLock { $0.streams.count } }

    private init(tls: Bool) throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-origin-\(UUID().uuidString)").path
        if tls {
            let files = try DevelopmentCertificateAuthority.ensure(directory: directory)
            self.tls = try TLSServerContext(
                certificates: [TLSCertificateFiles(certificatePath: files.certificatePath, keyPath: files.keyPath)],
                alpnProtocols: ["http/1.1"])
            caPath = files.caCertificatePath
        } else {
            self.tls = nil
            caPath = nil
        }
    }

    static func start(tls: Bool = false) async throws -> TestOrigin {
        let origin = try TestOrigin(tls: tls)
        try await origin.bind(port: 0)
        return origin
    }

    /// Sets what the next requests get.
    func answer(_ answer: Answer) { state.withLock { $0.answer = answer } }
    /// A `retry:` line sent at the start of every stream.
    func sendRetry(milliseconds: Int?) { state.withLock { $0.retryMilliseconds = milliseconds } }

    /// Appends events to history and sends them to every open stream. Returns the ids.
    @discardableResult
    func publish(_ count: Int = 1, prefix: String = "event") -> [Int] {
        state.withLock { state in
            var ids: [Int] = []
            var bytes = ByteBuffer()
            for _ in 0..<count {
                let id = state.history.count + 1
                state.history.append((id, "\(prefix) \(id)"))
                ids.append(id)
                Self.write(id: id, data: "\(prefix) \(id)", into: &bytes)
            }
            for stream in state.streams { stream.writeAndFlush(bytes, promise: nil) }
            return ids
        }
    }

    /// Sends raw bytes to current streams only (not kept in history): oversize events, odd framing.
    func sendRaw(_ text: String) {
        state.withLock { state in
            for stream in state.streams { stream.writeAndFlush(ByteBuffer(string: text), promise: nil) }
        }
    }

    /// Closes the listener and every connection (the origin "dies"); history is kept for the restart.
    func stop() async {
        let (server, streams) = state.withLock { state in
            defer { state.server = nil; state.streams = [] }
            return (state.server, state.streams)
        }
        try? await server?.close()
        for stream in streams { try? await stream.close() }
    }

    /// Listens again on the same port.
    func restart() async throws {
        try await bind(port: port)
    }

    func shutdown() async {
        await stop()
        try? await group.shutdownGracefully()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func bind(port: Int) async throws {
        let tls = self.tls
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    self.state.withLock { $0.connections += 1 }
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(TLSHandler(context: tls)) }
                    try pipeline.addHandler(OriginHandler(origin: self))
                }
            }
            .bind(host: "127.0.0.1", port: port)
            .get()
        boundPort.withLock { $0 = channel.localAddress?.port ?? 0 }
        state.withLock { $0.server = channel }
    }

    /// Called on the connection's loop once a request head is complete.
    fileprivate func respond(_ request: Request, on channel: any Channel) {
        // Written under the lock so a concurrent `publish` cannot slip between replay and registration;
        // answers that close the connection are sent after it (closing calls back into `closed`).
        let finalAnswer: String? = state.withLock { state in
            state.requests.append(request)
            switch state.answer {
            case .status(let status):
                return "HTTP/1.1 \(status) Scripted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            case .wrongType(let type):
                return "HTTP/1.1 200 OK\r\ncontent-type: \(type)\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}"
            case .stream:
                // No content-length and no chunking: the body runs until the connection closes (RFC 9112 §6.3).
                var bytes = ByteBuffer(string: "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n")
                bytes.writeString(":origin\n\n")
                if let retry = state.retryMilliseconds { bytes.writeString("retry: \(retry)\n\n") }
                let after = request.header("last-event-id").flatMap { Int($0) } ?? 0
                for event in state.history where event.id > after { Self.write(id: event.id, data: event.data, into: &bytes) }
                channel.writeAndFlush(bytes, promise: nil)
                state.streams.append(channel)
                return nil
            }
        }
        if let finalAnswer {
            channel.writeAndFlush(ByteBuffer(string: finalAnswer)).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    fileprivate func closed(_ channel: any Channel) {
        state.withLock { $0.streams.removeAll { $0 === channel } }
    }

    private static func write(id: Int, data: String, into buffer: inout ByteBuffer) {
        buffer.writeString("id: \(id)\nevent: tick\ndata: \(data)\n\n")
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
        origin.respond(TestOrigin.Request(target: target, headers: headers), on: context.channel)
    }

    func channelInactive(context: ChannelHandlerContext) {
        origin.closed(context.channel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
