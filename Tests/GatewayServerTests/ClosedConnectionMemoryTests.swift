import Foundation
import GatewayLiveObjects
import GatewayTestSupport
import Testing

/// Connections that close with output still queued (a client that stopped reading, then reset the
/// connection) give back everything they held: handler, nghttp2 session, TLS state, subscriptions. Each
/// test abandons many TLS streams with a few hundred KiB queued for each, and a witness on the same channel
/// keeps receiving meanwhile.
///
/// The live-object counts are process-wide and other suites may run at the same time, so the tests compare
/// with the counts just before the attack and allow `slack` objects of other tests' connections (the two
/// tests here run one after the other).
@Suite(.serialized) struct ClosedConnectionMemoryTests {
    private static let slack = 50

    /// The live objects that make up connections, read together.
    private struct Census: CustomStringConvertible {
        let http1Handlers = LiveObjects.http1ConnectionHandlers.count
        let http2Handlers = LiveObjects.http2ConnectionHandlers.count
        let http2Sessions = LiveObjects.http2ServerSessions.count
        let tlsHandlers = LiveObjects.tlsHandlers.count
        let tlsConnections = LiveObjects.tlsConnections.count

        /// True when no count exceeds `baseline`'s by more than `slack`.
        func isWithin(_ slack: Int, of baseline: Census) -> Bool {
            http1Handlers <= baseline.http1Handlers + slack && http2Handlers <= baseline.http2Handlers + slack
                && http2Sessions <= baseline.http2Sessions + slack && tlsHandlers <= baseline.tlsHandlers + slack
                && tlsConnections <= baseline.tlsConnections + slack
        }

        var description: String {
            "http1 handlers \(http1Handlers), http2 handlers \(http2Handlers), nghttp2 sessions \(http2Sessions), TLS handlers \(tlsHandlers), SSL objects \(tlsConnections)"
        }
    }

    @Test func abandonedHTTP2StreamsWithQueuedOutputReleaseEverything() async throws {
        try await abandon(1000, speaking: "h2") { opened, baseline in
            #expect(opened.http2Handlers >= baseline.http2Handlers + 1000 - Self.slack, "\(opened)")
            #expect(opened.http2Sessions >= baseline.http2Sessions + 1000 - Self.slack, "\(opened)")
        }
    }

    @Test func abandonedHTTP1StreamsWithQueuedOutputReleaseEverything() async throws {
        try await abandon(300, speaking: "http/1.1") { opened, baseline in
            #expect(opened.http1Handlers >= baseline.http1Handlers + 300 - Self.slack, "\(opened)")
        }
    }

    /// Opens `count` TLS streams on one channel with a python client, publishes 512 KiB that the clients
    /// never read, resets every connection, and expects the gateway to hold nothing of them afterwards.
    private func abandon(_ count: Int, speaking alpn: String, checkOpened: (Census, Census) -> Void) async throws {
        let gateway = try await TestGateway.start {
            // Nothing is ended as a slow consumer: the output stays queued until the client resets.
            $0.streams.outboundBudget = 16 << 20
            $0.publish.maxBodyBytes = 4 << 20
            // Every client comes from 127.0.0.1: no per-client connection cap, no handshake rate.
            $0.limits.maxConnectionsPerIP = 0
            for index in $0.listeners.indices { $0.listeners[index].limitSettings.handshakesPerSecondPerIP = 0 }
        }
        let channel = "abandoned"
        let witness = try await Witness.start(gateway, channel: channel)
        let baseline = Census()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients/abandon_streams.py").path
        let resetFile = gateway.directory + "/reset"
        let client = try ChildProcess("python3", [script, "127.0.0.1", String(gateway.tlsPort), "/events/\(channel)", gateway.caPath, String(count), alpn, resetFile])
        defer { client.terminate() }
        #expect(await client.waitForOutput(containing: "READY \(count) ", timeout: .seconds(40)), "client: \(client.text) \(client.errorText)")
        #expect(await gateway.waitForSubscribers(channel, count: count + 1))
        checkOpened(Census(), baseline)

        // 4 events of 128 KiB: more than one 256 KiB write per connection and more than the socket buffers
        // take, so each connection has output in nghttp2 (or NIO) and in flight when the client resets.
        let batch = try eventBatch(count: 4, size: 128 * 1024, in: gateway.directory)
        let published = try await gateway.curl(["-X", "POST", "-H", "content-type: application/json", "--data-binary", "@\(batch)", "\(gateway.plainURL)/publish/\(channel)"])
        #expect(published.status == 200, "\(published)")
        try await Task.sleep(for: .seconds(1))  // the loops fan the events out to every connection
        #expect(gateway.server.subscriberCount(channel: channel) == count + 1, "streams ended before the reset")

        #expect(FileManager.default.createFile(atPath: resetFile, contents: nil))
        #expect(await client.waitForOutput(containing: "RESET \(count)", timeout: .seconds(20)), "client: \(client.text) \(client.errorText)")
        // The loops process the resets; the idle-memory sweeper lets go of a closed connection at its next
        // sweep (1 s).
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(15) {
            if gateway.server.subscriberCount(channel: channel) == 1, Census().isWithin(Self.slack, of: baseline) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let after = Census()
        #expect(after.isWithin(Self.slack, of: baseline), "closed connections still alive: \(after), before the attack: \(baseline)")
        #expect(gateway.server.subscriberCount(channel: channel) == 1, "subscribers left besides the witness")
        #expect(await witness.finish() == nil)
        await gateway.stop()
    }

    /// A JSON array of `count` events of `size` bytes each, written to a file for `curl --data-binary @file`.
    private func eventBatch(count: Int, size: Int, in directory: String) throws -> String {
        let payload = String(repeating: "x", count: size)
        let items = (0..<count).map { #"{"data":"\#($0)-\#(payload)"}"# }
        let path = directory + "/batch.json"
        try ("[" + items.joined(separator: ",") + "]").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
