import Foundation
import GatewayConfig
import GatewayTestSupport
import Testing

/// A drain spreads the stream ends over the window: measured from the clients' side, each stream ends
/// with a `retry:` hint, the ends are spread rather than bunched, and the drain returns when all are gone.
@Suite(.serialized) struct PacedDrainTests {
    @Test(.timeLimit(.minutes(2)))
    func streamEndsAreSpreadOverTheWindow() async throws {
        let gateway = try await TestGateway.start { $0.drain = DrainSettings(window: .seconds(3), deadline: .seconds(10)) }
        let count = 30
        let streams = try (0..<count).map { index in
            try ChildProcess("curl", ["-sS", "-N", "--max-time", "60", index % 3 == 0 ? "--http1.1" : "--http2", "--cacert", gateway.caPath, "\(gateway.tlsURL)/events/drain"])
        }
        defer { for stream in streams { stream.terminate() } }
        #expect(await gateway.waitForSubscribers("drain", count: count, timeout: .seconds(30)))
        #expect(try await gateway.publish("drain", body: "before").status == 200)
        for stream in streams { #expect(await stream.waitForOutput(containing: "data: before\n")) }

        let clock = ContinuousClock()
        let started = clock.now
        let drained = Task { await gateway.server.drain(deadline: .seconds(10)) }
        var endedAt: [Int: Duration] = [:]
        while endedAt.count < count, clock.now - started < .seconds(12) {
            for (index, stream) in streams.enumerated() where endedAt[index] == nil && !stream.isRunning {
                endedAt[index] = clock.now - started
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        await drained.value
        let drainTook = clock.now - started
        try? FileManager.default.removeItem(atPath: gateway.directory)

        #expect(endedAt.count == count, "every stream ended")
        for stream in streams {
            #expect(ReloadFixture.endsWithRetryHint(stream), "each stream ends with a retry hint: \(stream.text.suffix(60))")
        }
        let times = endedAt.values.sorted()
        let first = try #require(times.first), last = try #require(times.last)
        // Uniform over 3 s: the spread of 30 ends is close to the window; all at once it would be ~0.
        #expect(last - first >= .milliseconds(1500), "ends spread over \(last - first)")
        // No half-second holds more than half the streams (uniform: ~5 of 30 each).
        var buckets: [Int: Int] = [:]
        for time in times { buckets[Int(time / .milliseconds(500)), default: 0] += 1 }
        #expect((buckets.values.max() ?? 0) <= count / 2, "ends bunched: \(buckets.sorted { $0.key < $1.key })")
        #expect(last <= .seconds(3) + .milliseconds(2500), "the last stream ended within the window (+ slack): \(last)")
        #expect(drainTook < .seconds(10), "the drain returned when every connection was gone, before the deadline: \(drainTook)")
        print("paced drain: \(count) streams ended between \(first) and \(last); per 500 ms: \(buckets.sorted { $0.key < $1.key }.map(\.value))")
    }
}
