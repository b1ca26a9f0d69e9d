import GatewayTestSupport
import Foundation
import Testing

/// Real clients over loopback: curl subscribing over each protocol the gateway speaks, and publishing.
@Suite(.serialized) struct CurlStreamTests {
    /// Subscribes with curl, publishes a two-line event, and returns what curl printed (headers + body).
    private func subscribeAndPublish(_ gateway: TestGateway, curlArguments: [String], url: String, channel: String) async throws -> String {
        let subscriber = try ChildProcess("curl", ["-sS", "-N", "-i", "--max-time", "15", "--cacert", gateway.caPath] + curlArguments + [url])
        defer { subscriber.terminate() }
        #expect(await subscriber.waitForOutput(containing: ":ok\n"), "stream did not open: \(subscriber.errorText)")
        #expect(await gateway.waitForSubscribers(channel, count: 1))
        let published = try await gateway.publish(channel, body: "hello\nworld")
        #expect(published.status == 200, "publish answered \(published)")
        #expect(published.body.contains("\"ids\":["))
        #expect(await subscriber.waitForOutput(containing: "data: hello\ndata: world\n\n"), "event not received: \(subscriber.text)")
        return subscriber.text
    }

    private func expectEventStreamHeaders(_ output: String) {
        let lowered = output.lowercased()
        #expect(lowered.contains("content-type: text/event-stream"))
        #expect(lowered.contains("cache-control: no-cache"))
        #expect(lowered.contains("x-accel-buffering: no"))
        // The retry hint is 3 s plus up to 50 % jitter (streams.retry_jitter).
        let retry = output.components(separatedBy: "retry: ").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) }
        #expect(retry.map { (3000...4500).contains($0) } == true, "retry hint: \(String(describing: retry))")
    }

    @Test func http2OverTLSNegotiatedByALPN() async throws {
        let gateway = try await TestGateway.start()
        let output = try await subscribeAndPublish(gateway, curlArguments: ["--http2"], url: "\(gateway.tlsURL)/events/news", channel: "news")
        #expect(output.hasPrefix("HTTP/2 200"), "not HTTP/2: \(output.prefix(80))")
        expectEventStreamHeaders(output)
        // No connection-specific headers on HTTP/2 (RFC 9113 §8.2.2).
        #expect(!output.lowercased().contains("connection:"))
        #expect(!output.lowercased().contains("transfer-encoding"))
        await gateway.stop()
    }

    @Test func http11OverTLS() async throws {
        let gateway = try await TestGateway.start()
        let output = try await subscribeAndPublish(gateway, curlArguments: ["--http1.1"], url: "\(gateway.tlsURL)/events/news", channel: "news")
        #expect(output.hasPrefix("HTTP/1.1 200"), "not HTTP/1.1: \(output.prefix(80))")
        expectEventStreamHeaders(output)
        await gateway.stop()
    }

    @Test func http2PriorKnowledgeOnPlaintext() async throws {
        let gateway = try await TestGateway.start()
        let output = try await subscribeAndPublish(gateway, curlArguments: ["--http2-prior-knowledge"], url: "\(gateway.plainURL)/events/h2c", channel: "h2c")
        #expect(output.hasPrefix("HTTP/2 200"), "not HTTP/2: \(output.prefix(80))")
        expectEventStreamHeaders(output)
        await gateway.stop()
    }

    @Test func http11OnPlaintext() async throws {
        let gateway = try await TestGateway.start()
        let output = try await subscribeAndPublish(gateway, curlArguments: ["--http1.1"], url: "\(gateway.plainURL)/events/plain", channel: "plain")
        #expect(output.hasPrefix("HTTP/1.1 200"))
        expectEventStreamHeaders(output)
        await gateway.stop()
    }

    @Test func negotiatedProtocolVersions() async throws {
        let gateway = try await TestGateway.start()
        func version(_ flag: String) async throws -> String {
            try await ChildProcess.run("curl", ["-sS", "--cacert", gateway.caPath, flag, "-o", "/dev/null", "-w", "%{http_version}", "\(gateway.tlsURL)/healthz"]).output
        }
        #expect(try await version("--http2") == "2")
        #expect(try await version("--http1.1") == "1.1")
        await gateway.stop()
    }

    @Test func jsonPublishSetsEventFieldsAndArraysKeepOrder() async throws {
        let gateway = try await TestGateway.start()
        let subscriber = try ChildProcess("curl", ["-sS", "-N", "--max-time", "15", "--cacert", gateway.caPath, "--http2", "\(gateway.tlsURL)/events/prices"])
        defer { subscriber.terminate() }
        #expect(await gateway.waitForSubscribers("prices", count: 1))
        let single = try await gateway.publish("prices", body: #"{"event":"price","data":{"symbol":"ACME","price":12.5},"retry":2500}"#, contentType: "application/json")
        #expect(single.status == 200)
        let batch = try await gateway.publish("prices", body: #"[{"data":"one"},{"event":"second","data":"two"}]"#, contentType: "application/json")
        #expect(batch.status == 200)
        #expect(batch.body.components(separatedBy: "\"ids\":[")[1].split(separator: "]")[0].split(separator: ",").count == 2)
        #expect(await subscriber.waitForOutput(containing: "data: two\n\n"))
        let text = subscriber.text
        #expect(text.contains("event: price\nretry: 2500\ndata: {"))
        #expect(text.contains("\"symbol\":\"ACME\""))
        let one = try #require(text.range(of: "data: one\n\n"))
        let two = try #require(text.range(of: "event: second\ndata: two\n\n"))
        #expect(one.lowerBound < two.lowerBound)
        await gateway.stop()
    }

    @Test func heartbeatCommentsKeepAnIdleStreamAlive() async throws {
        let gateway = try await TestGateway.start { $0.streams.heartbeat = .seconds(1) }
        let subscriber = try ChildProcess("curl", ["-sS", "-N", "--max-time", "15", "--cacert", gateway.caPath, "--http2", "\(gateway.tlsURL)/events/quiet"])
        defer { subscriber.terminate() }
        // Two heartbeats within ~3 s: one timer per loop visits the quiet stream every second.
        #expect(await subscriber.waitForOutput(timeout: .seconds(6)) { $0.components(separatedBy: ":\n\n").count - 1 >= 2 }, "\(subscriber.text)")
        await gateway.stop()
    }
}
