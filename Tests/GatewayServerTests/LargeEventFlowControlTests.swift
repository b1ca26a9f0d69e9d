import Foundation
import GatewayTestSupport
import Testing

/// 200 KB events reach HTTP/2 clients intact through flow-control windows far smaller than an event (and
/// than a frame), on streams sharing one connection window: the large-event write path (frames built
/// around the event's bytes, reused output buffers) never sends more than a window allows.
@Suite struct LargeEventFlowControlTests {
    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Clients/h2_large_small_window.py").path

    @Test func largeEventsArriveIntactThroughSmallWindows() async throws {
        let gateway = try await TestGateway.start {
            $0.publish.maxBodyBytes = 1 << 20
            $0.streams.outboundBudget = 8 << 20
        }
        let witness = try await Witness.start(gateway)
        let (streams, events, size) = (3, 3, 200_000)
        // One client whose windows are smaller than a DATA frame, one whose window is not a multiple of it.
        let windows = [1_000, 40_000]
        let clients = try windows.map { window in
            try ChildProcess("python3", [
                Self.script, "127.0.0.1", String(gateway.tlsPort), "/events/large", gateway.caPath,
                String(streams), String(events), String(size), String(window),
            ])
        }
        defer { clients.forEach { $0.terminate() } }
        for client in clients {
            #expect(await client.waitForOutput(containing: "READY"), "client did not start: \(client.errorText)")
        }
        #expect(await gateway.waitForSubscribers("large", count: streams * windows.count))
        for index in 0..<events {
            let body = gateway.directory + "/event-\(index)"
            let payload = try ChildProcess("python3", [Self.script, "--payload", String(index), String(size)])
            #expect(await payload.waitForExit(timeout: .seconds(30)) == 0, "\(payload.errorText)")
            try Data(payload.text.utf8).write(to: URL(fileURLWithPath: body))
            let published = try await gateway.curl([
                "-X", "POST", "-H", "content-type: text/plain", "--data-binary", "@\(body)",
                "\(gateway.plainURL)/publish/large",
            ])
            #expect(published.status == 200, "\(published)")
        }
        for (client, window) in zip(clients, windows) {
            #expect(await client.waitForExit(timeout: .seconds(90)) == 0, "window \(window): \(client.errorText)")
            let summary = try #require(client.text.split(separator: "\n").last.map(String.init))
            let result = try #require(
                try JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any], "\(client.text)")
            #expect(result["events_per_stream"] as? [Int] == Array(repeating: events, count: streams), "\(summary)")
            #expect(result["intact"] as? Int == streams * events, "window \(window): \(summary)")
            #expect(result["corrupt"] as? Int == 0, "window \(window): \(summary)")
            #expect(result["resets"] as? [Int] == [], "window \(window): \(summary)")
            let largestFrame = try #require(result["largest_frame"] as? Int)
            #expect(largestFrame <= min(window, 16_384), "window \(window): a DATA frame of \(largestFrame) bytes")
            #expect(largestFrame > 0)
        }
        #expect(await witness.finish() == nil)
        await gateway.stop()
    }
}
