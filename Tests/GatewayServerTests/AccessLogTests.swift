import GatewayTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// Access-log lines as the server writes them: one per plain request and one per closed stream, each with
/// the connection's metadata and the matched route's pattern.
@Suite(.serialized) struct AccessLogTests {
    /// Keeps every line logged through it, with its metadata (the handler's and the call's, merged).
    final class Recorder: Sendable {
        let lines = Mutex<[(message: String, metadata: [String: String])]>([])

        func matching(_ message: String) -> [[String: String]] {
            lines.withLock { $0.filter { $0.message == message }.map(\.metadata) }
        }
    }

    struct RecordingHandler: LogHandler {
        let recorder: Recorder
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            recorder.lines.withLock { $0.append((event.message.description, merged.mapValues { "\($0)" })) }
        }
    }

    @Test func requestsAndStreamsCarryTheRouteAndTheConnection() async throws {
        let recorder = Recorder()
        let logger = Logger(label: "access-test") { _ in RecordingHandler(recorder: recorder) }
        let gateway = try await TestGateway.start(logger: logger)

        #expect(try await gateway.curl(["\(gateway.plainURL)/healthz"]).status == 200)
        #expect(try await gateway.curl(["\(gateway.plainURL)/nowhere?access_token=secret"]).status == 404)
        let subscriber = try ChildProcess("curl", ["-sS", "-N", "--http2", "--max-time", "20", "--cacert", gateway.caPath, "\(gateway.tlsURL)/events/logged"])
        #expect(await gateway.waitForSubscribers("logged", count: 1))
        subscriber.terminate()
        #expect(await gateway.waitForSubscribers("logged", count: 0))

        let requests = recorder.matching("request")
        #expect(requests.count == 2, "\(requests)")
        let health = try #require(requests.first { $0["path"] == "/healthz" })
        #expect(health["route"] == "/healthz")
        #expect(health["status"] == "200")
        #expect(health["connection"] != nil && health["listener"] == "plain" && health["remote"]?.hasPrefix("127.0.0.1:") == true)
        let missing = try #require(requests.first { $0["status"] == "404" })
        #expect(missing["route"] == nil)
        #expect(missing["path"] == "/nowhere?access_token=REDACTED")

        var streams = recorder.matching("stream closed")
        for _ in 0..<50 where streams.isEmpty {
            try await Task.sleep(for: .milliseconds(20))
            streams = recorder.matching("stream closed")
        }
        let stream = try #require(streams.first)
        #expect(stream["route"] == "/events/{channel}")
        #expect(stream["channel"] == "logged")
        #expect(stream["listener"] == "tls" && stream["protocol"] == "h2" && stream["stream"] != nil)
        await gateway.stop()
    }
}
