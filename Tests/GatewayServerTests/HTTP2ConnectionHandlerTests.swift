@testable import GatewayApp
import GatewayConfig
@testable import GatewayHTTP
import GatewayHTTP2
import GatewayHub
import GatewaySSE
import Logging
import NIOCore
import NIOEmbedded
import Testing

/// The HTTP/2 connection handler in an `EmbeddedChannel`, against an in-memory nghttp2 client session: no
/// sockets, no TLS, every byte pumped by hand.
@Suite struct HTTP2ConnectionHandlerTests {
    /// A channel running the server's HTTP/2 handler, a hub, and a client session talking to it.
    final class Harness {
        let loop = EmbeddedEventLoop()
        let channel: EmbeddedChannel
        let hub: MemoryEngine
        let client: HTTP2ClientSession
        var events: [HTTP2ClientEvent] = []

        init(_ configure: (inout GatewayConfiguration) -> Void = { _ in }) throws {
            var configuration = try GatewayConfiguration.parse(yaml: GatewayConfiguration.defaultYAML, fileName: "default")
            configuration.logging.accessLog = false
            configure(&configuration)
            hub = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits())
            let loops = LoopServiceTable(group: loop)
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let snapshot = RuntimeSnapshot(configuration: configuration, engine: hub, publishToken: nil, readiness: Readiness())
            let connection = ConnectionInfo(listener: "test", trusted: true)
            channel = EmbeddedChannel(
                handler: HTTP2ConnectionHandler(application: { snapshot }, loop: loops.services(for: loop), connection: connection, logger: logger), loop: loop)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            client = try HTTP2ClientSession()
            try pump()
        }

        /// Moves bytes both ways (running the loop's batched flushes) until neither side has anything to say.
        func pump() throws {
            for _ in 0..<50 {
                var moved = false
                var toServer = ByteBuffer()
                if try client.collectOutput(into: &toServer, maxBytes: 1 << 20) > 0 {
                    try channel.writeInbound(toServer)
                    moved = true
                }
                loop.run()
                while let fromServer = try channel.readOutbound(as: ByteBuffer.self) {
                    try client.receive(fromServer)
                    moved = true
                }
                events += client.takeEvents()
                if !moved { return }
            }
        }

        func request(_ method: String, _ path: String, body: String? = nil) throws -> HTTP2StreamID {
            let id = try #require(client.startRequest(method: method, path: path, authority: "test", body: body.map { ByteBuffer(string: $0) }))
            try pump()
            return id
        }

        func status(of id: HTTP2StreamID) -> Int? {
            for case .response(let stream, let status, _) in events where stream == id { return status }
            return nil
        }

        func body(of id: HTTP2StreamID) -> String {
            events.reduce(into: "") { text, event in
                if case .data(let stream, let bytes) = event, stream == id { text += String(buffer: bytes) }
            }
        }
    }

    @Test func streamOpensThenCarriesPublishedEventsInOneWritePerBatch() throws {
        let harness = try Harness()
        let streams = try (0..<3).map { _ in try harness.request("GET", "/events/news") }
        for stream in streams {
            #expect(harness.status(of: stream) == 200)
            #expect(harness.body(of: stream).hasPrefix(":ok\n\nretry: "))
        }
        #expect(harness.hub.subscriberCount(channel: "news") == 3)
        _ = harness.hub.publish([try ServerSentEvent(data: "hello")], to: "news")
        // One delivery task on the loop, then one batched flush: one write for all three streams' frames.
        harness.loop.run()
        var writes = 0
        while let bytes = try harness.channel.readOutbound(as: ByteBuffer.self) {
            writes += 1
            try harness.client.receive(bytes)
        }
        harness.events += harness.client.takeEvents()
        #expect(writes == 1)
        for stream in streams { #expect(harness.body(of: stream).hasSuffix("data: hello\n\n")) }
    }

    @Test func publishOverTheSameConnectionAndErrorsAsJSON() throws {
        let harness = try Harness()
        let published = try harness.request("POST", "/publish/news", body: "x")
        #expect(harness.status(of: published) == 200)
        #expect(harness.body(of: published).contains("\"ids\":["))
        let missing = try harness.request("GET", "/nowhere")
        #expect(harness.status(of: missing) == 404)
        #expect(harness.body(of: missing).contains("\"code\":\"not_found\""))
    }

    @Test func clientResetEndsTheSubscription() throws {
        let harness = try Harness()
        let stream = try harness.request("GET", "/events/news")
        #expect(harness.hub.subscriberCount(channel: "news") == 1)
        harness.client.resetStream(stream, errorCode: HTTP2ErrorCode.cancel)
        try harness.pump()
        #expect(harness.hub.subscriberCount(channel: "news") == 0)
    }

    @Test func closingTheConnectionEndsEveryStream() throws {
        let harness = try Harness()
        _ = try harness.request("GET", "/events/a")
        _ = try harness.request("GET", "/events/b")
        #expect(harness.hub.subscriberCount(channel: "a") + harness.hub.subscriberCount(channel: "b") == 2)
        _ = try harness.channel.finish(acceptAlreadyClosed: true)
        #expect(harness.hub.subscriberCount(channel: "a") + harness.hub.subscriberCount(channel: "b") == 0)
    }
}
