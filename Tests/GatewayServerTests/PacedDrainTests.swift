import Foundation
import GatewayConfig
import GatewayTestSupport
import Testing

extension ReloadIntegration {
    /// A drain spreads the stream ends over the window: measured from the clients' side, each stream ends
    /// with a `retry:` hint, the ends are spread rather than bunched, and the drain returns when all are gone.
    @Suite(.serialized) struct PacedDrainTests {
        @Test(.timeLimit(.minutes(2)))
        func streamEndsAreSpreadOverTheWindow() async throws {
            let gateway = try await TestGateway.start { $0.drain = DrainSettings(window: .seconds(3), deadline: .seconds(10)) }
            // 20 streams multiplexed on one HTTP/2 connection and 10 HTTP/1.1 connections: two client processes.
            let output = gateway.directory + "/streams"
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            let common = ["-sS", "-N", "--max-time", "60", "--parallel", "--parallel-max", "30", "--cacert", gateway.caPath]
            let clients = [
                try ChildProcess("curl", common + ["--http2", "\(gateway.tlsURL)/events/drain?n=[1-20]", "-o", "\(output)/h2-#1.txt"]),
                try ChildProcess("curl", common + ["--http1.1", "--parallel-immediate", "\(gateway.tlsURL)/events/drain?n=[1-10]", "-o", "\(output)/h1-#1.txt"]),
            ]
            defer { for client in clients { client.terminate() } }
            let files = (1...20).map { "\(output)/h2-\($0).txt" } + (1...10).map { "\(output)/h1-\($0).txt" }
            let count = files.count
            #expect(await gateway.waitForSubscribers("drain", count: count, timeout: .seconds(30)))
            #expect(try await gateway.publish("drain", body: "before").status == 200)
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline, !files.allSatisfy({ Self.read($0).contains("data: before\n") }) {
                try await Task.sleep(for: .milliseconds(20))
            }

            let clock = ContinuousClock()
            let started = clock.now
            let startedAt = Date()
            let drained = Task { await gateway.server.drain(deadline: .seconds(10)) }
            // When each client wrote its stream's end: the file's modification time, not when this loop
            // noticed it (on a runner busy with other suites this task can be late by a second, which made
            // ends seen together look bunched).
            var endedAt: [Int: Duration] = [:]
            while endedAt.count < count, clock.now - started < .seconds(12) {
                for (index, file) in files.enumerated() where endedAt[index] == nil && Self.ended(Self.read(file)) {
                    endedAt[index] = Self.written(file, since: startedAt) ?? clock.now - started
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            await drained.value
            let drainTook = clock.now - started
            for client in clients { _ = await client.waitForExit(timeout: .seconds(5)) }
            try? FileManager.default.removeItem(atPath: gateway.directory)

            #expect(endedAt.count == count, "every stream ended with a retry hint")
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

        /// When the file was last written, from `start`.
        private static func written(_ path: String, since start: Date) -> Duration? {
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { return nil }
            return .nanoseconds(Int64(modified.timeIntervalSince(start) * 1e9))
        }

        private static func read(_ path: String) -> String {
            (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        }

        /// Ended by the server: after the event every stream got, the last line is a `retry:` hint.
        private static func ended(_ text: String) -> Bool {
            guard let before = text.range(of: "data: before\n") else { return false }
            return text[before.upperBound...].split(separator: "\n").last?.hasPrefix("retry: ") == true
        }
    }
}
