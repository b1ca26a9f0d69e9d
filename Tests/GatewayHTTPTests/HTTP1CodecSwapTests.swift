import GatewayHTTP2
import GatewayTestSupport
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing

@testable import GatewayHTTP

/// NIO's HTTP/1.1 codec leaves the pipeline while an event stream runs and comes back for the connection's
/// next request (`HTTP1Wire`, `HTTP1Codec`), over a real socket with curl and a raw-socket client.
@Suite struct HTTP1CodecSwapTests {
    /// `/held` streams until the test finishes it, `/ticks` writes a numbered event every 50 ms, anything
    /// else is a small JSON answer.
    final class StreamingApplication: HTTPApplication {
        let held = Mutex<[HeldStream]>([])

        var connectionSettings: ConnectionSettings {
            ConnectionSettings(http2: HTTP2SessionSettings(), http1: HTTP1Settings(), maxRequestHeadBytes: 16384,
                               maxRequestBodyBytes: 1024, outboundBudget: 65536, accessLog: false)
        }

        func respond(to request: Request, on loop: any EventLoop) -> Response {
            switch request.path {
            case "/held": .stream(Opener(ticking: false, application: self))
            case "/ticks": .stream(Opener(ticking: true, application: self))
            default: .json(200, .object([("plain", .bool(true))]))
            }
        }

        var openedCount: Int { held.withLock { $0.count } }
        var endedCount: Int { held.withLock { $0.filter { $0.ended.load(ordering: .relaxed) }.count } }

        /// Finishes every held stream that is still open (cleanly: the body's last chunk, keep-alive).
        func finishHeld() {
            for stream in held.withLock({ $0 }) {
                stream.loop.execute { stream.finish() }
            }
        }
    }

    struct Opener: StreamOpener {
        let ticking: Bool
        let application: StreamingApplication
        var responseHeaders: [(name: String, value: String)] { [] }

        func open(_ writer: StreamWriter, loop: LoopServices) -> any ResponseStream {
            let stream = HeldStream(writer: writer, loop: loop.eventLoop, ticking: ticking)
            if !ticking { application.held.withLock { $0.append(stream) } }
            return stream
        }
    }

    final class HeldStream: ResponseStream, @unchecked Sendable {
        private var writer: StreamWriter
        let loop: any EventLoop
        private let ticking: Bool
        private var tick = 0
        private var timer: RepeatedTask?
        let ended = Atomic<Bool>(false)

        init(writer: StreamWriter, loop: any EventLoop, ticking: Bool) {
            self.writer = writer
            self.loop = loop
            self.ticking = ticking
        }

        func start() {
            _ = writer.write(ByteBuffer(string: "data: open\n\n"))
            guard ticking else { return }
            timer = loop.scheduleRepeatedTask(initialDelay: .milliseconds(50), delay: .milliseconds(50)) { _ in
                self.tick += 1
                _ = self.writer.write(ByteBuffer(string: "data: \(self.tick)\n\n"))
            }
        }

        /// Finished by the test (on `loop`): a writer is never used again after its stream is done, as
        /// `ChannelStream` marks itself ended before it finishes. Without this, the second `finishHeld()` of a
        /// test finished the first stream again: on a keep-alive connection that ended whatever stream the
        /// connection ran then, and once the connection had closed it reached a freed handler (a crash,
        /// seen once under load: the writer's connection reference is `unowned(unsafe)`).
        private var finished = false

        func finish() {
            guard !ended.load(ordering: .relaxed), !finished else { return }
            finished = true
            writer.finish()
        }

        func end(_ reason: StreamEndReason) {
            ended.store(true, ordering: .relaxed)
            timer?.cancel()
            timer = nil
        }

        var accessLogMetadata: Logger.Metadata { [:] }
        func outboundBlocked() {}
    }

    final class Accepted: Sendable {
        let channels = Mutex<[any Channel]>([])
    }

    /// A server on loopback whose connections' channels the test can look into.
    final class Server: Sendable {
        let group: MultiThreadedEventLoopGroup
        let channel: any Channel
        let application: StreamingApplication
        let accepted: Accepted
        var port: Int { channel.localAddress!.port! }

        private init(group: MultiThreadedEventLoopGroup, channel: any Channel, application: StreamingApplication, accepted: Accepted) {
            self.group = group
            self.channel = channel
            self.application = application
            self.accepted = accepted
        }

        static func start() async throws -> Server {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let application = StreamingApplication()
            let loops = LoopServiceTable(group: group)
            let accepted = Accepted()
            let channel = try await ServerBootstrap(group: group)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        accepted.channels.withLock { $0.append(channel) }
                        try ApplicationProtocol.http1.configure(
                            channel.pipeline.syncOperations, application: { application }, loop: loops.services(for: channel.eventLoop),
                            connection: ConnectionInfo(listener: "test", trusted: true), logger: Logger(label: "test"))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            return Server(group: group, channel: channel, application: application, accepted: accepted)
        }

        func stop() async throws {
            try await channel.close()
            try await group.shutdownGracefully()
        }

        /// Whether NIO's HTTP/1.1 handlers are in the connection's pipeline (all of them, or none: a mix fails).
        func codecIsInstalled(_ connection: any Channel) async throws -> Bool? {
            let present = try await connection.eventLoop.submit {
                let pipeline = connection.pipeline.syncOperations
                return [
                    (try? pipeline.context(handlerType: HTTPResponseEncoder.self)) != nil,
                    (try? pipeline.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)) != nil,
                    (try? pipeline.context(handlerType: HTTPServerPipelineHandler.self)) != nil,
                    (try? pipeline.context(handlerType: HTTPServerProtocolErrorHandler.self)) != nil,
                ]
            }.get()
            if present.allSatisfy({ $0 }) { return true }
            if present.allSatisfy({ !$0 }) { return false }
            return nil
        }

        /// `HTTP1Wire.refusesBytes` of the connection.
        func wireRefusesBytes(_ connection: any Channel) async throws -> Bool {
            try await connection.eventLoop.submit { try connection.pipeline.syncOperations.handler(type: HTTP1Wire.self).refusesBytes }.get()
        }

        func waitForCodec(_ connection: any Channel, installed: Bool) async throws -> Bool {
            for _ in 0..<200 {
                if try await codecIsInstalled(connection) == installed { return true }
                try await Task.sleep(for: .milliseconds(10))
            }
            return false
        }
    }

    @Test func theCodecLeavesWhileAStreamRunsAndComesBackForTheNextRequest() async throws {
        let server = try await Server.start()
        let base = "http://127.0.0.1:\(server.port)"
        // Three requests on one keep-alive connection: two streams, then a plain answer.
        let client = try ChildProcess("curl", ["-sS", "-N", "--max-time", "20", "-w", "<%{http_code} %{num_connects}>\\n",
                                               "\(base)/held", "\(base)/held", "\(base)/plain"])
        defer { client.terminate() }
        for opened in 1...2 {
            #expect(await waitUntil { server.application.openedCount == opened }, "stream \(opened) did not open: \(client.text)")
            let connection = try #require(server.accepted.channels.withLock { $0.first })
            // Values computed first: swift-testing describes an expression's operands, and describing a
            // ChannelPipeline crashes in NIO (a negative padding for long handler names).
            let codecLeft = try await server.waitForCodec(connection, installed: false)
            #expect(codecLeft, "the codec stayed in while stream \(opened) ran")
            let refusing = try await server.wireRefusesBytes(connection)
            #expect(refusing)
            server.application.finishHeld()
        }
        #expect(await client.waitForExit(timeout: .seconds(10)) == 0, "\(client.errorText)")
        #expect(client.text == "data: open\n\n<200 1>\ndata: open\n\n<200 0>\n{\"plain\":true}\n<200 0>\n", "\(client.text) \(client.errorText)")
        #expect(server.accepted.channels.withLock { $0.count } == 1, "curl needed more than one connection")
        try await server.stop()
    }

    /// HTTP/1.0 has no chunked coding: the stream's bytes go out as they are, and its end closes the
    /// connection (curl reads the body to the close and exits 0).
    @Test func anHTTP10StreamIsUnframedAndEndsWithTheConnection() async throws {
        let server = try await Server.start()
        let client = try ChildProcess("curl", ["-sS", "-N", "-i", "--http1.0", "--max-time", "20", "http://127.0.0.1:\(server.port)/held"])
        defer { client.terminate() }
        #expect(await waitUntil { server.application.openedCount == 1 }, "the stream did not open: \(client.text)")
        #expect(await client.waitForOutput(containing: "data: open\n\n"), "\(client.text)")
        server.application.finishHeld()
        #expect(await client.waitForExit(timeout: .seconds(10)) == 0, "\(client.errorText)")
        let parts = client.text.components(separatedBy: "\r\n\r\n")
        #expect(parts.count == 2 && !parts[0].lowercased().contains("transfer-encoding"), "\(client.text)")
        #expect(parts.last == "data: open\n\n", "the body must be the event bytes alone: \(client.text.debugDescription)")
        try await server.stop()
    }

    /// A client that sends a request while its stream runs is closed; a stream on another connection (the
    /// witness) keeps receiving its events in order throughout. Both ways in: the second request after the
    /// stream began (the codec is gone), and pipelined behind the first in one write (the decoder still
    /// holds it when the codec leaves).
    @Test(arguments: ["after", "pipelined"])
    func requestBytesDuringAStreamCloseTheConnectionAndTheWitnessKeepsFlowing(_ mode: String) async throws {
        let server = try await Server.start()
        // The witness outlives the test (it is terminated at the end): with 700 tests beside it this test has
        // taken 34 s, and a witness that reached its --max-time looked like a witness starved by the attack.
        let witness = try ChildProcess("curl", ["-sS", "-N", "--max-time", "120", "http://127.0.0.1:\(server.port)/ticks"])
        defer { witness.terminate() }
        #expect(await witness.waitForOutput(containing: "data: 3\n"))
        let attacker = try await ChildProcess.run("python3", ["-c", Self.attackerScript, String(server.port), mode], timeout: .seconds(15))
        #expect(attacker.status == 0, "\(attacker.output) \(attacker.errors)")
        #expect(attacker.output.contains("data: open"), "\(attacker.output)")
        #expect(attacker.output.hasSuffix("closed\n"), "the connection was not closed: \(attacker.output)")
        #expect(!attacker.output.contains("plain"), "the second request was answered: \(attacker.output)")
        #expect(await waitUntil { server.application.endedCount == 1 }, "the attacker's stream did not end")
        // The witness kept flowing, in order, and still does.
        let before = Self.ticks(witness.text).last ?? 0
        #expect(await witness.waitForOutput { (Self.ticks($0).last ?? 0) >= before + 5 }, "witness stopped at \(before): \(witness.errorText)")
        let ticks = Self.ticks(witness.text)
        #expect(ticks == Array(1...(ticks.last ?? 0)), "witness events out of order or missing: \(ticks)")
        try await server.stop()
    }

    private static func ticks(_ text: String) -> [Int] {
        text.components(separatedBy: "\n").compactMap { $0.hasPrefix("data: ") ? Int($0.dropFirst(6)) : nil }
    }

    /// Opens `/held`, sends a second request (after the stream's first event, or in the same write), then
    /// prints what it read and "closed" when the server closes within 5 s ("open" otherwise).
    private static let attackerScript = """
        import socket, sys, time
        port, mode = int(sys.argv[1]), sys.argv[2]
        first = b"GET /held HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n"
        second = b"GET /plain HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n"
        s = socket.create_connection(("127.0.0.1", port))
        s.settimeout(5)
        s.sendall(first + second if mode == "pipelined" else first)
        got = b""
        while b"data: open" not in got:
            got += s.recv(4096)
        if mode == "after":
            time.sleep(0.3)
            s.sendall(second)
        result = "open"
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    result = "closed"
                    break
                got += chunk
        except socket.timeout:
            pass
        print(got.decode(errors="replace"))
        print(result)
        """
}
