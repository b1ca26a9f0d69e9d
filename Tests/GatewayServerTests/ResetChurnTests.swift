import Foundation
import GatewayTestSupport
import Testing

/// Connections that reset while the gateway fans events out to them cost the other streams of the channel
/// nothing: attackers (`Clients/reset_churn.py`) open plain HTTP/1.1 or h2c streams and reset them (TCP RST)
/// after a few milliseconds, tens of thousands of times, while one publisher sends its events as fast as
/// the gateway answers; witnesses open before the first publish must get every event, in order, and every
/// attacker's stream, however short, must have no hole.
///
/// Why: a reset met by a write during the fan-out walk (the loop's flush batcher writes connections early,
/// mid-walk) closes that connection at once, which removes its stream from the walk. Removal used to swap
/// the last subscriber into the freed slot; when the slot was behind the walk, that subscriber lost the
/// event with no gap and no error. Against that code both cases saw dozens of holes per run.
@Suite(.serialized) struct ResetChurnTests {
    private let seed = Int.random(in: 1...1_000_000)

    /// One run of the client: its transport, streams per connection, and how many witness connections,
    /// attacker threads and events.
    struct Load: Sendable, CustomTestStringConvertible {
        let transport: String
        let streamsPerConnection: Int
        let witnesses: Int
        let churners: Int
        let events: Int
        var testDescription: String { "\(transport), \(streamsPerConnection) per connection" }
    }

    /// HTTP/1.1: one stream per connection. h2c: five per connection, so one reset ends five streams of the
    /// walk at once, and each witness connection carries five streams that must all be complete (fewer
    /// events: python-h2 parses every frame in this one process).
    @Test(arguments: [
        Load(transport: "http1", streamsPerConnection: 1, witnesses: 10, churners: 40, events: 1500),
        Load(transport: "h2c", streamsPerConnection: 5, witnesses: 4, churners: 20, events: 600),
    ])
    func streamsResettingDuringTheFanOutCostTheOthersNoEvent(load: Load) async throws {
        let gateway = try await TestGateway.start()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients/reset_churn.py").path
        let arguments = [script, "127.0.0.1", String(gateway.plainPort), "churn", String(load.witnesses), String(load.churners), String(load.events),
                         String(seed), "45", load.transport, String(load.streamsPerConnection)]
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
