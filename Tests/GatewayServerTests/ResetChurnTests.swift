import Foundation
import GatewayTestSupport
import Testing

/// Connections that reset while the gateway fans events out to them cost the other streams of the channel
/// nothing: attackers (`Clients/reset_churn.py`) open plain HTTP/1.1 streams and reset them (TCP RST)
/// after a few milliseconds, tens of thousands of times, while one publisher sends 1,500 events as fast as
/// the gateway answers; witnesses open before the first publish must get exactly 1...1500, in order, and
/// every attacker's stream, however short, must have no hole.
///
/// Why: a reset met by a write during the fan-out walk (the loop's flush batcher writes connections early,
/// mid-walk) closes that connection at once, which removes its stream from the walk. Removal used to swap
/// the last subscriber into the freed slot; when the slot was behind the walk, that subscriber lost the
/// event with no gap and no error. Against that code this test saw dozens of holes per run.
@Suite struct ResetChurnTests {
    private let seed = Int.random(in: 1...1_000_000)

    @Test func streamsResettingDuringTheFanOutCostTheOthersNoEvent() async throws {
        let gateway = try await TestGateway.start()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients/reset_churn.py").path
        let arguments = [script, "127.0.0.1", String(gateway.plainPort), "churn", "10", "40", "1500", String(seed), "45"]
        let result = try await ChildProcess.run("python3", arguments, timeout: .seconds(60))
        let line = try #require(result.output.split(separator: "\n").last.map(String.init), "no summary (seed \(seed)): \(result.errors.suffix(2000))")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "seed \(seed): \(result.output)")
        #expect(summary["ok"] as? Bool == true, "seed \(seed): \(line)\n\(result.errors.suffix(2000))")
        #expect(result.status == 0, "seed \(seed): exit \(result.status)")
        // The attack was real: thousands of streams reset, and they were reset while receiving events.
        #expect((summary["churn_streams"] as? Int ?? 0) >= 1_000, "seed \(seed): \(line)")
        #expect((summary["churn_events"] as? Int ?? 0) >= 1_000, "seed \(seed): \(line)")
        // Nothing leaked: only the publisher's connection may still be closing.
        let start = ContinuousClock.now
        while gateway.server.subscriberCount(channel: "churn") > 0, ContinuousClock.now - start < .seconds(10) {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(gateway.server.subscriberCount(channel: "churn") == 0)
        await gateway.stop()
    }
}
