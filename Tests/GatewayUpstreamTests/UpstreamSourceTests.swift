import GatewayTestSupport
import Foundation
import GatewayRouting
import GatewayTLS
import GatewayUpstream
import NIOCore
import NIOPosix
import Testing

/// One `UpstreamSource` against a real origin on loopback.
@Suite(.serialized) struct UpstreamSourceTests {
    private func withSource(
        _ origin: TestOrigin,
        path: String = "/stream",
        configure: (inout UpstreamSourceConfiguration) throws -> Void = { _ in },
        _ body: (UpstreamSource, RecordingSink) async throws -> Void
    ) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var configuration = UpstreamSourceConfiguration(
            endpoint: try UpstreamEndpoint(origin.url + path),
            tls: origin.caPath == nil ? nil : try UpstreamSourceConfiguration.tlsContext(caFile: origin.caPath),
            connection: UpstreamConnectionSettings(
                connectTimeout: .seconds(2), readTimeout: .seconds(10), reconnectInitial: .milliseconds(50), reconnectMaximum: .milliseconds(400))
        )
        try configure(&configuration)
        let sink = RecordingSink()
        let source = UpstreamSource(configuration: configuration, eventLoop: group.next(), sink: sink)
        source.start()
        try await body(source, sink)
        source.stop()
        try? await Task.sleep(for: .milliseconds(50))
        try await group.shutdownGracefully()
        await origin.shutdown()
    }

    private static func ids(_ sink: RecordingSink) -> [String] { sink.events.map(\.id) }

    @Test func receivesHistoryThenLiveEventsWithTypesAndHeaders() async throws {
        let origin = try await TestOrigin.start()
        origin.publish(3)
        try await withSource(origin, path: "/stream?symbol=ACME") { _, sink in
            #expect(await sink.wait { $0.events.count == 3 })
            origin.publish(2)
            #expect(await sink.wait { $0.events.count == 5 })
            #expect(Self.ids(sink) == ["1", "2", "3", "4", "5"])
            #expect(sink.events.first == UpstreamEvent(type: "tick", data: "event 1", id: "1"))
            #expect(sink.changes.first == .streaming(protocol: "http/1.1"))
            let request = try #require(origin.requests.first)
            #expect(request.target == "/stream?symbol=ACME")
            #expect(request.header("accept") == "text/event-stream")
            #expect(request.header("cache-control") == "no-cache")
            #expect(request.header("last-event-id") == nil)
            #expect(request.header("host") == "127.0.0.1:\(origin.port)")
        }
    }

    @Test func originRestartResumesFromLastEventIDExactlyOnce() async throws {
        let origin = try await TestOrigin.start()
        try await withSource(origin) { source, sink in
            #expect(await sink.wait { _ in origin.openStreams == 1 })
            origin.publish(3)
            #expect(await sink.wait { $0.events.count == 3 })
            await origin.stop()
            origin.publish(3)  // while the origin is down: only in its history
            #expect(await sink.wait { !$0.problems.isEmpty })
            try await origin.restart()
            #expect(await sink.wait { $0.events.count == 6 })
            origin.publish(1)
            #expect(await sink.wait { $0.events.count == 7 })
            #expect(Self.ids(sink) == (1...7).map(String.init))
            #expect(origin.requests.last?.header("last-event-id") == "3")
            #expect(source.lastEventID == "7")
        }
    }

    @Test func tlsOriginVerifiedAgainstConfiguredCA() async throws {
        let origin = try await TestOrigin.start(tls: true)
        origin.publish(2)
        try await withSource(origin) { _, sink in
            #expect(await sink.wait { $0.events.count == 2 }, "\(sink.changes)")
            // The source offers h2 first; this origin only speaks HTTP/1.1, so ALPN settles on that.
            #expect(sink.changes.first == .streaming(protocol: "http/1.1"))
        }
    }

    /// The URL's host name is sent as SNI and checked against the certificate: a certificate for
    /// `localhost` only is accepted at https://localhost and refused at https://127.0.0.1.
    @Test func hostNameIsSentAsSNIAndVerified() async throws {
        let origin = try await TestOrigin.start(tls: true, names: ["localhost"])
        origin.publish(1)
        try await withSource(origin, configure: { $0.endpoint = try UpstreamEndpoint("https://localhost:\(origin.port)/stream") }) { _, sink in
            #expect(await sink.wait { $0.events.count == 1 }, "\(sink.changes)")
            #expect(origin.serverNames.last == "localhost")
        }
        let mismatch = try await TestOrigin.start(tls: true, names: ["localhost"])
        try await withSource(mismatch) { _, sink in
            #expect(await sink.wait { !$0.problems.isEmpty })
            guard case .tlsFailed(let reason) = sink.problems.first else {
                Issue.record("expected a TLS failure, got \(sink.problems)")
                return
            }
            #expect(reason.contains("verify"), "\(reason)")
            #expect(mismatch.requests.isEmpty)
        }
    }

    @Test func http2OriginChosenByALPNResumesExactlyOnceAcrossARestart() async throws {
        let origin = try await TestOrigin.startHTTP2()
        origin.publish(2)
        try await withSource(origin, path: "/stream?symbol=ACME") { _, sink in
            #expect(await sink.wait { $0.events.count == 2 }, "\(sink.changes)")
            #expect(sink.changes.first == .streaming(protocol: "h2"))
            let request = try #require(origin.requests.first)
            #expect(request.target == "/stream?symbol=ACME")
            #expect(request.header("accept") == "text/event-stream")
            #expect(request.header("host") == nil, "HTTP/2 carries the authority as :authority")
            await origin.stop()
            origin.publish(2)
            try await origin.restart()
            #expect(await sink.wait { $0.events.count == 4 })
            origin.publish(1)
            #expect(await sink.wait { $0.events.count == 5 })
            #expect(Self.ids(sink) == ["1", "2", "3", "4", "5"])
            #expect(origin.requests.last?.header("last-event-id") == "2")
            #expect(sink.changes.filter { $0 == .streaming(protocol: "h2") }.count == 2)
        }
    }

    @Test(arguments: [(404, true), (204, true), (503, false)])
    func http2OriginStatusRules(status: Int, final: Bool) async throws {
        let origin = try await TestOrigin.startHTTP2()
        origin.answer(.status(status))
        try await withSource(origin) { _, sink in
            if final {
                #expect(await sink.wait { $0.failure != nil })
                #expect(sink.failure == .status(status))
            } else {
                #expect(await sink.wait { $0.problems.count >= 2 })
                #expect(sink.problems.first == .status(status))
            }
        }
    }

    /// The wrong CA is a transient failure (the origin may fix its certificate): retried, never delivered.
    @Test func tlsOriginWithWrongCAIsRefusedAndRetried() async throws {
        let origin = try await TestOrigin.start(tls: true)
        let other = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-otherca-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: other) }
        let otherCA = try DevelopmentCertificateAuthority.ensure(directory: other).caCertificatePath
        origin.publish(2)
        try await withSource(origin, configure: { $0.tls = try UpstreamSourceConfiguration.tlsContext(caFile: otherCA) }) { _, sink in
            #expect(await sink.wait { $0.problems.count >= 2 })
            #expect(sink.events.isEmpty)
            #expect(sink.failure == nil)
            guard case .tlsFailed = sink.problems.first else {
                Issue.record("expected a TLS failure, got \(sink.problems)")
                return
            }
        }
    }

    @Test(arguments: [204, 404, 401, 301])
    func finalAnswersStopTheSource(status: Int) async throws {
        let origin = try await TestOrigin.start()
        origin.answer(.status(status))
        try await withSource(origin) { source, sink in
            #expect(await sink.wait { $0.failure != nil })
            #expect(sink.failure == .status(status))
            try? await Task.sleep(for: .milliseconds(300))
            #expect(origin.requests.count == 1, "a final answer must not be retried")
            let state = try await source.state.get()
            #expect(state == .failed)
        }
    }

    @Test func wrongContentTypeIsFinal() async throws {
        let origin = try await TestOrigin.start()
        origin.answer(.wrongType("application/json"))
        try await withSource(origin) { _, sink in
            #expect(await sink.wait { $0.failure != nil })
            #expect(sink.failure == .notAnEventStream("application/json"))
        }
    }

    @Test(arguments: [500, 503, 429, 408])
    func transientAnswersAreRetried(status: Int) async throws {
        let origin = try await TestOrigin.start()
        origin.answer(.status(status))
        origin.publish(1)
        try await withSource(origin) { _, sink in
            #expect(await sink.wait { $0.problems.count >= 2 })
            #expect(sink.problems.first == .status(status))
            origin.answer(.stream)
            #expect(await sink.wait { $0.events.count == 1 })
            #expect(sink.failure == nil)
        }
    }

    @Test func oversizeEventReconnectsCleanly() async throws {
        let origin = try await TestOrigin.start()
        origin.publish(1)
        try await withSource(origin, configure: { $0.connection.maxEventBytes = 1024 }) { _, sink in
            #expect(await sink.wait { $0.events.count == 1 })
            origin.sendRaw("data: " + String(repeating: "x", count: 4096) + "\n\n")
            #expect(await sink.wait { $0.problems.contains(.eventTooLarge(limit: 1024)) })
            #expect(await sink.wait { _ in origin.openStreams == 1 && origin.requests.count == 2 })
            origin.publish(1)
            #expect(await sink.wait { $0.events.count == 2 })
            #expect(Self.ids(sink) == ["1", "2"])
            #expect(origin.requests.last?.header("last-event-id") == "1")
        }
    }

    /// Issue 11 item 8: data lines that never end in a blank line are cut off at the limit, not buffered.
    @Test func endlessEventIsRefusedWhileAccumulating() async throws {
        let origin = try await TestOrigin.start()
        origin.publish(1)
        try await withSource(origin, configure: { $0.connection.maxEventBytes = 1024 }) { _, sink in
            #expect(await sink.wait { $0.events.count == 1 })
            // 2 KiB of short data lines and no blank line: only the accumulation check can catch it.
            origin.sendRaw(String(repeating: "data: 0123456789abcdef\n", count: 128))
            #expect(await sink.wait { $0.problems.contains(.eventTooLarge(limit: 1024)) })
            #expect(Self.ids(sink) == ["1"])
        }
    }

    /// Issue 11 item 8: a `retry:` above the reconnect maximum waits only the maximum.
    @Test func upstreamRetryHintIsCappedAtTheMaximum() async throws {
        let origin = try await TestOrigin.start()
        origin.sendRetry(milliseconds: 3_600_000)
        try await withSource(origin, configure: { $0.connection.reconnectInitial = .milliseconds(50); $0.connection.reconnectMaximum = .milliseconds(200) }) { _, sink in
            #expect(await sink.wait { _ in origin.openStreams == 1 })
            origin.publish(1)
            #expect(await sink.wait { $0.events.count == 1 })
            await origin.stop()
            try await origin.restart()
            #expect(await sink.wait { !$0.problems.isEmpty })
            guard case .reconnecting(_, let delay) = sink.changes.first(where: { if case .reconnecting = $0 { true } else { false } }) else {
                Issue.record("no reconnect: \(sink.changes)")
                return
            }
            #expect(delay <= .milliseconds(200))
            #expect(await sink.wait(timeout: .seconds(3)) { _ in origin.openStreams == 1 })
        }
    }

    @Test func upstreamRetryHintSetsTheReconnectDelay() async throws {
        let origin = try await TestOrigin.start()
        origin.sendRetry(milliseconds: 20)
        try await withSource(origin, configure: { $0.connection.reconnectInitial = .seconds(5); $0.connection.reconnectMaximum = .seconds(5) }) { _, sink in
            #expect(await sink.wait { _ in origin.openStreams == 1 })
            origin.publish(1)
            #expect(await sink.wait { $0.events.count == 1 })
            await origin.stop()
            try await origin.restart()
            #expect(await sink.wait { !$0.problems.isEmpty })
            // The first reconnect after the drop: later ones may have doubled if a retry found the origin
            // still down (backoff), which is not what this test is about.
            guard case .reconnecting(_, let delay) = sink.changes.first(where: { if case .reconnecting = $0 { true } else { false } }) else {
                Issue.record("no reconnect: \(sink.changes)")
                return
            }
            #expect(delay <= .milliseconds(20))
            #expect(await sink.wait(timeout: .seconds(3)) { _ in origin.openStreams == 1 })
        }
    }

    @Test func silentOriginHitsTheReadTimeout() async throws {
        let origin = try await TestOrigin.start()
        try await withSource(origin, configure: { $0.connection.readTimeout = .milliseconds(300) }) { _, sink in
            #expect(await sink.wait { $0.problems.contains(.readTimeout) })
        }
    }
}
