import GatewayHTTP2
import GatewayTestSupport
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import GatewayHTTP

/// The HTTP/1.1 handler with an application whose answers come later (an engine behind a network), over a
/// real socket with curl: the answer is written when it completes, and the connection then serves the
/// client's next request.
@Suite struct HTTP1DeferredAnswerTests {
    /// Answers every request with a promise the test completes.
    final class LaterApplication: HTTPApplication {
        let pending = Mutex<[EventLoopPromise<Response>]>([])

        var connectionSettings: ConnectionSettings {
            ConnectionSettings(http2: HTTP2SessionSettings(), http1: HTTP1Settings(), maxRequestHeadBytes: 16384,
                               maxRequestBodyBytes: 1024, outboundBudget: 65536, accessLog: false)
        }

        func respond(to request: Request, on loop: any EventLoop) -> Response {
            let promise = loop.makePromise(of: Response.self)
            pending.withLock { $0.append(promise) }
            return .deferred(promise.futureResult)
        }

        func waitForRequests(_ count: Int) async -> Bool {
            for _ in 0..<500 {
                if pending.withLock({ $0.count }) >= count { return true }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return false
        }
    }

    @Test func answerIsWrittenWhenItCompletesAndTheConnectionServesTheNext() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let application = LaterApplication()
        let loops = LoopServiceTable(group: group)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try ApplicationProtocol.http1.configure(
                        channel.pipeline.syncOperations, application: { application }, loop: loops.services(for: channel.eventLoop),
                        connection: ConnectionInfo(listener: "test", trusted: true), logger: Logger(label: "test"))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = server.localAddress!.port!
        // Two requests on one keep-alive connection: curl reuses it for the second URL.
        let client = try ChildProcess("curl", ["-sS", "--max-time", "10", "-w", "<%{http_code}>\\n", "-d", "x",
                                               "http://127.0.0.1:\(port)/first", "http://127.0.0.1:\(port)/second"])
        #expect(await application.waitForRequests(1))
        try await Task.sleep(for: .milliseconds(200))
        #expect(!client.text.contains("<"), "answered before the application did: \(client.text)")
        application.pending.withLock { $0[0] }.succeed(.json(201, .object([("first", .bool(true))])))
        #expect(await application.waitForRequests(2), "the connection did not serve its next request")
        application.pending.withLock { $0[1] }.succeed(.json(200, .object([("second", .bool(true))])))
        #expect(await client.waitForExit(timeout: .seconds(10)) == 0)
        #expect(client.text == "{\"first\":true}\n<201>\n{\"second\":true}\n<200>\n", "\(client.text) \(client.errorText)")
        try await server.close()
        try await group.shutdownGracefully()
    }
}
