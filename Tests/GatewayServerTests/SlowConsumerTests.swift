import GatewayTestSupport
import Foundation
import NIOCore
import NIOPosix
import Testing

/// A client that stops reading is ended once its outbound budget is spent, while other streams (on the
/// same HTTP/2 connection, or other connections) keep flowing and lose nothing.
@Suite struct SlowConsumerTests {
    /// A JSON array of `count` events of `size` bytes each, written to a file for `curl --data-binary @file`.
    private func eventBatch(count: Int, size: Int, in directory: String, tag: String) throws -> String {
        let payload = String(repeating: "x", count: size)
        let items = (0..<count).map { #"{"data":"\#(tag)-\#($0)-\#(payload)"}"# }
        let path = directory + "/batch-\(tag).json"
        try ("[" + items.joined(separator: ",") + "]").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func stalledHTTP2StreamIsResetWhileItsSiblingKeepsFlowing() async throws {
        let gateway = try await TestGateway.start {
            $0.streams.outboundBudget = 64 * 1024
            $0.publish.maxBodyBytes = 4 << 20
        }
        let witness = try await Witness.start(gateway)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients/h2_stalled_stream.py").path
        let events = 40
        let client = try ChildProcess("python3", [script, "127.0.0.1", String(gateway.tlsPort), "/events/slow", gateway.caPath, String(events)])
        defer { client.terminate() }
        #expect(await client.waitForOutput(containing: "READY"), "client did not start: \(client.errorText)")
        #expect(await gateway.waitForSubscribers("slow", count: 2))
        // Publishes of 32 KiB each, below the 64 KiB budget: a reading stream drains each one, while the
        // stalled stream's queue grows past its window (64 KiB) and then past the budget.
        let batch = try eventBatch(count: 2, size: 16 * 1024, in: gateway.directory, tag: "h2")
        for _ in 0..<(events / 2) {
            let published = try await gateway.curl(["-X", "POST", "-H", "content-type: application/json", "--data-binary", "@\(batch)", "\(gateway.plainURL)/publish/slow"])
            #expect(published.status == 200, "\(published)")
        }
        #expect(await client.waitForExit(timeout: .seconds(30)) == 0, "\(client.errorText)")
        let summary = try #require(client.text.split(separator: "\n").last.map(String.init))
        let result = try #require(try JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any], "\(client.text)")
        #expect(result["reset_a"] as? Int == 8, "stalled stream not reset with CANCEL: \(summary)")
        #expect(result["events_b"] as? Int == events, "sibling stream lost events: \(summary)")
        #expect(result["closed_b"] as? Bool == false)
        #expect(await gateway.waitForSubscribers("slow", count: 0))  // both gone once the client left
        #expect(await witness.finish() == nil)
        await gateway.stop()
    }

    @Test func stalledHTTP1ConnectionIsClosedWhileOthersKeepFlowing() async throws {
        // The budget is larger than one publish burst (a healthy reader absorbs a burst), far smaller than
        // what a reader that never reads accumulates.
        let gateway = try await TestGateway.start {
            $0.streams.outboundBudget = 512 * 1024
            $0.publish.maxBodyBytes = 4 << 20
        }
        let witness = try await Witness.start(gateway)
        let healthy = try ChildProcess("curl", ["-sS", "-N", "--http1.1", "--max-time", "60", "\(gateway.plainURL)/events/stall"])
        defer { healthy.terminate() }
        // The stalled client: asks for the stream, then never reads (tiny receive buffer, no reads).
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let stalled = try await ClientBootstrap(group: group)
            .channelOption(.autoRead, value: false)
            .channelOption(.socketOption(.so_rcvbuf), value: 4096)
            .connect(host: "127.0.0.1", port: gateway.plainPort)
            .get()
        try await stalled.writeAndFlush(ByteBuffer(string: "GET /events/stall HTTP/1.1\r\nHost: test\r\n\r\n"))
        #expect(await gateway.waitForSubscribers("stall", count: 2))

        // Publish 256 KiB batches until the server gives up on the stalled reader (the kernel buffers some
        // of it first), at most 32 MiB.
        var published = 0
        let batch = try eventBatch(count: 8, size: 32 * 1024, in: gateway.directory, tag: "burst")
        for _ in 0..<128 where gateway.server.subscriberCount(channel: "stall") == 2 {
            let answer = try await gateway.curl(["-X", "POST", "-H", "content-type: application/json", "--data-binary", "@\(batch)", "\(gateway.plainURL)/publish/stall"])
            #expect(answer.status == 200)
            published += 8
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(await gateway.waitForSubscribers("stall", count: 1), "the stalled reader was never ended")
        let allArrived = await healthy.waitForOutput(timeout: .seconds(30)) { $0.components(separatedBy: "\n\n").filter { $0.contains("data: ") }.count == published }
        #expect(allArrived, "the healthy reader lost events")
        try? await stalled.close()
        try await group.shutdownGracefully()
        #expect(await witness.finish() == nil)
        await gateway.stop()
    }
}
