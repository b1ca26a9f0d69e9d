import GatewayConfig
import GatewayRouting
import GatewayTestSupport
import Foundation
import Testing

/// The runtime snapshot is replaced while streams run and events flow: running streams keep every event
/// in order, and new requests see the new routes at once.
@Suite struct RuntimeSwapTests {
    @Test func swappingTheSnapshotUnderLoadLosesNothing() async throws {
        let gateway = try await TestGateway.start()
        let streams = try (0..<6).map { index in
            let protocolFlag = index % 2 == 0 ? "--http2" : "--http1.1"
            return try ChildProcess("curl", ["-sS", "-N", "--max-time", "30", protocolFlag, "--cacert", gateway.caPath, "\(gateway.tlsURL)/events/swap"])
        }
        defer { for stream in streams { stream.terminate() } }
        #expect(await gateway.waitForSubscribers("swap", count: streams.count))

        // The second configuration adds a route and drops `/readyz`; the third goes back.
        var added = gateway.server.configuration
        added.routes.append(RouteConfiguration(route: Route(pattern: try RoutePattern("/alive"), action: .health(.liveness))))
        added.routes.removeAll { $0.route.pattern.description == "/readyz" }
        let original = gateway.server.configuration

        let total = 60
        for number in 1...total {
            let published = try await gateway.publish("swap", body: "event \(number)")
            #expect(published.status == 200, "publish \(number): \(published)")
            if number % 10 == 0 {
                // Swap while the events of the last batch may still be on their way.
                try await gateway.server.replaceRuntime(with: number % 20 == 0 ? original : added)
                let alive = try await gateway.curl(["\(gateway.plainURL)/alive"]).status
                let ready = try await gateway.curl(["\(gateway.plainURL)/readyz"]).status
                #expect(number % 20 == 0 ? (alive == 404 && ready == 200) : (alive == 200 && ready == 404), "after swap \(number): /alive \(alive), /readyz \(ready)")
            }
        }
        let expected = (1...total).map { "data: event \($0)\n" }
        for stream in streams {
            #expect(await stream.waitForOutput(timeout: .seconds(10)) { $0.contains("data: event \(total)\n") }, "stream stalled: \(stream.text.suffix(200))")
            let received = stream.text.split(separator: "\n", omittingEmptySubsequences: false).filter { $0.hasPrefix("data: event ") }.map { "\($0)\n" }
            #expect(received == expected, "a stream lost, repeated or reordered events across the swaps")
        }
        #expect(gateway.server.subscriberCount(channel: "swap") == streams.count, "a running stream ended on a swap")
        await gateway.stop()
    }
}
