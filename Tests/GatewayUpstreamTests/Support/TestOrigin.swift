import Foundation
import GatewayTLS
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A real SSE origin on loopback for tests: numbered events with ids `1`, `2`, …, replay from its own
/// history after `Last-Event-ID`, scripted answers (204, 404, 500…), and stop/restart on the same port.
/// HTTP/1.1, plain or TLS (a development CA in a temp folder).
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
            for stream in state.streams { stream.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(bytes)), promise: nil) }
            return ids
        }
    }

    /// Sends raw bytes to current streams only (not kept in history): oversize events, odd framing.
    func sendRaw(_ text: String) {
        state.withLock { state in
            for stream in state.streams { stream.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: text))), promise: nil) }
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
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: false)
                    try pipeline.addHandler(OriginHandler(origin: self))
                }
            }
            .bind(host: "127.0.0.1", port: port)
            .get()
        boundPort.withLock { $0 = channel.localAddress?.port ?? 0 }
        state.withLock { $0.server = channel }
    }

    /// Called on the connection's loop once a request is complete.
    fileprivate func respond(_ head: HTTPRequestHead, on channel: any Channel) {
        state.withLock { state in
            let headers = head.headers.map { (name: $0.name.lowercased(), value: $0.value) }
            state.requests.append(Request(target: head.uri, headers: headers))
            switch state.answer {
            case .status(let status):
                var response = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status))
                response.headers.add(name: "content-length", value: "0")
                channel.write(HTTPServerResponsePart.head(response), promise: nil)
                channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
            case .wrongType(let type):
                var response = HTTPResponseHead(version: .http1_1, status: .ok)
                response.headers.add(name: "content-type", value: type)
                response.headers.add(name: "content-length", value: "2")
                channel.write(HTTPServerResponsePart.head(response), promise: nil)
                channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: "{}"))), promise: nil)
                channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
            case .stream:
                var response = HTTPResponseHead(version: .http1_1, status: .ok)
                response.headers.add(name: "content-type", value: "text/event-stream")
                response.headers.add(name: "cache-control", value: "no-cache")
                channel.write(HTTPServerResponsePart.head(response), promise: nil)
                var bytes = ByteBuffer(string: ":origin\n\n")
                if let retry = state.retryMilliseconds { bytes.writeString("retry: \(retry)\n\n") }
                let after = head.headers.first(name: "last-event-id").flatMap { Int($0) } ?? 0
                for event in state.history where event.id > after { Self.write(id: event.id, data: event.data, into: &bytes) }
                channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(bytes)), promise: nil)
                state.streams.append(channel)
            }
        }
    }

    fileprivate func closed(_ channel: any Channel) {
        state.withLock { $0.streams.removeAll { $0 === channel } }
    }

    private static func write(id: Int, data: String, into buffer: inout ByteBuffer) {
        buffer.writeString("id: \(id)\nevent: tick\ndata: \(data)\n\n")
    }
}

private final class OriginHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    let origin: TestOrigin
    var head: HTTPRequestHead?

    init(origin: TestOrigin) { self.origin = origin }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end: if let head { origin.respond(head, on: context.channel) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        origin.closed(context.channel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
