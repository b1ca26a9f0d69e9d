import GatewayTestSupport
import Foundation
import Testing

/// nghttp (Debian nghttp2-client): 100 concurrent streams multiplexed on one TLS connection all receive
/// a published event.
@Suite struct NghttpTests {
    @Test func hundredConcurrentStreamsOnOneConnection() async throws {
        let gateway = try await TestGateway.start()
        // stdbuf: nghttp writes bodies through a buffered stdout, which would hold them until it exits.
        let client = try ChildProcess("stdbuf", ["-o0", "nghttp", "-y", "-m", "100", "\(gateway.tlsURL)/events/fanout"])
        defer { client.terminate() }
        #expect(await gateway.waitForSubscribers("fanout", count: 100), "only \(gateway.server.subscriberCount(channel: "fanout")) streams: \(client.errorText)")
        #expect(gateway.server.connectionCount == 1)
        let published = try await gateway.publish("fanout", body: "to everyone")
        #expect(published.status == 200)
        #expect(published.body.contains("\"subscribers\":100"))
        let allReceived = await client.waitForOutput { $0.components(separatedBy: "data: to everyone\n\n").count - 1 == 100 }
        #expect(allReceived, "received \(client.text.components(separatedBy: "data: to everyone").count - 1) of 100")
        await gateway.stop()
    }
}
