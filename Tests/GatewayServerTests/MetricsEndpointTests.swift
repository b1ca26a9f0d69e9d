import GatewayAuth
import GatewayConfig
import GatewayRouting
import GatewayTestSupport
import Foundation
import NIOCore
import NIOPosix
import Testing

/// `/metrics` scraped with curl before and after real traffic: each family the issue names moves.
@Suite(.serialized) struct MetricsEndpointTests {
    private static func startGateway() async throws -> TestGateway {
        try await TestGateway.start { configuration in
            configuration.routes.append(RouteConfiguration(
                route: Route(pattern: try! RoutePattern("/metrics"), action: .metrics), listeners: ["plain"]))
        }
    }

    @Test func authRefusalsAreCountedByRouteAndReason() async throws {
        let secret = "metrics-refusal-secret-of-32-bytes!!"
        let gateway = try await TestGateway.start(environment: ["JWT_SECRET": secret]) { configuration in
            configuration.auth = AuthSettings(jwt: JWTSettings(keys: [JWTKeyConfiguration(source: .secretEnvironmentVariable("JWT_SECRET"), algorithm: .hs256)]))
            // A route of its own: the metrics registry is the process's, and other suites refuse requests on
            // `/events/{channel}` at the same time.
            configuration.routes.append(RouteConfiguration(
                route: Route(pattern: try! RoutePattern("/refusals/{channel}"), action: .channel(try! ParameterTemplate("{channel}"))), auth: .jwt))
            configuration.routes.append(RouteConfiguration(
                route: Route(pattern: try! RoutePattern("/metrics"), action: .metrics), listeners: ["plain"]))
        }
        let route = #"route="/refusals/{channel}""#
        let before = try await gateway.scrape()
        let token = try await TokenMinter(algorithm: .hs256, secret: secret)
            .mint(TokenGrant(subject: "bob", timeToLive: .seconds(600), subscribe: ["mine"]), now: Date())
        let anonymous = try await gateway.curl(["-o", "/dev/null", "\(gateway.tlsURL)/refusals/theirs"])
        let garbage = try await gateway.curl(["-o", "/dev/null", "-H", "authorization: Bearer not.a.token", "\(gateway.tlsURL)/refusals/theirs"])
        let elsewhere = try await gateway.curl(["-o", "/dev/null", "-H", "authorization: Bearer \(token)", "\(gateway.tlsURL)/refusals/theirs"])
        let statuses: [Int] = [anonymous.status, garbage.status, elsewhere.status]
        #expect(statuses == [401, 401, 403])

        let after = try await gateway.scrape()
        func grew(_ reason: String) -> Double {
            after.sum("ssegate_auth_refusals_total", route, reason) - before.sum("ssegate_auth_refusals_total", route, reason)
        }
        #expect(grew(#"reason="missing_token""#) == 1)
        #expect(grew(#"reason="subscribe_not_granted""#) == 1)
        #expect(after.sum("ssegate_auth_refusals_total", route) - before.sum("ssegate_auth_refusals_total", route) == 3)
        await gateway.stop()
    }

    @Test func scrapeAfterTrafficShowsEveryFamilyMoving() async throws {
        let gateway = try await Self.startGateway()
        let before = try await gateway.scrape()

        // A stream over TLS + HTTP/2, three events published to it.
        let subscriber = try ChildProcess("curl", ["-sS", "-N", "--http2", "--max-time", "20", "--cacert", gateway.caPath, "\(gateway.tlsURL)/events/metered"])
        #expect(await subscriber.waitForOutput(containing: ":ok\n"), "stream did not open: \(subscriber.errorText)")
        #expect(await gateway.waitForSubscribers("metered", count: 1))
        for number in 1...3 {
            let published = try await gateway.publish("metered", body: "event \(number)")
            #expect(published.status == 200)
        }
        #expect(await subscriber.waitForOutput(containing: "data: event 3\n"), "events not received: \(subscriber.text)")
        // A resume with an id the gateway cannot read gets an in-band gap (reason "malformed").
        let resumed = try ChildProcess("curl", ["-sS", "-N", "--max-time", "20", "-H", "Last-Event-ID: nonsense", "\(gateway.plainURL)/events/metered"])
        #expect(await resumed.waitForOutput(containing: "event: stream-gap"), "no gap: \(resumed.text)")

        var during = try await gateway.scrape()
        // The write-latency sample is recorded just after the batch's socket write: give it a moment.
        for _ in 0..<50 where during.sum("ssegate_publish_to_write_seconds_count") <= before.sum("ssegate_publish_to_write_seconds_count") {
            try await Task.sleep(for: .milliseconds(20))
            during = try await gateway.scrape()
        }
        #expect(during.value("ssegate_events_published_total") >= before.value("ssegate_events_published_total") + 3)
        #expect(during.value("ssegate_events_delivered_total") >= before.value("ssegate_events_delivered_total") + 3)
        #expect(during.value("ssegate_history_events") >= 3)
        #expect(during.value("ssegate_history_bytes") > 0)
        #expect(during.value("ssegate_channels") >= 1)
        #expect(during.sum("ssegate_streams", #"route="/events/{channel}""#) >= 2)
        #expect(during.sum("ssegate_streams_opened_total", #"route="/events/{channel}""#)
            >= before.sum("ssegate_streams_opened_total", #"route="/events/{channel}""#) + 2)
        #expect(during.sum("ssegate_connections", #"listener="tls""#, #"protocol="h2""#) >= 1)
        #expect(during.sum("ssegate_connections_total", #"listener="tls""#, #"protocol="h2""#)
            >= before.sum("ssegate_connections_total", #"listener="tls""#, #"protocol="h2""#) + 1)
        #expect(during.sum("ssegate_connections_open") >= 2)
        #expect(during.sum("ssegate_tls_handshakes_total", #"listener="tls""#) >= before.sum("ssegate_tls_handshakes_total", #"listener="tls""#) + 1)
        #expect(during.sum("ssegate_bytes_out_total", #"listener="tls""#) > before.sum("ssegate_bytes_out_total", #"listener="tls""#))
        #expect(during.sum("ssegate_stream_gaps_total", #"reason="malformed""#) >= before.sum("ssegate_stream_gaps_total", #"reason="malformed""#) + 1)
        #expect(during.sum("ssegate_publish_to_write_seconds_count") > before.sum("ssegate_publish_to_write_seconds_count"))
        #expect(during.samples.keys.contains { $0.hasPrefix("ssegate_publish_to_write_seconds_bucket{") })
        #expect(during.samples.keys.contains { $0.hasPrefix("ssegate_history_evictions_total{") })
        #expect(during.samples.keys.contains { $0.hasPrefix("ssegate_upstream_sources{") })

        // Ending the streams moves the end counters (by reason).
        subscriber.terminate()
        resumed.terminate()
        #expect(await gateway.waitForSubscribers("metered", count: 0))
        let after = try await gateway.scrape()
        #expect(after.sum("ssegate_streams_ended_total", #"reason="client_closed""#)
            >= before.sum("ssegate_streams_ended_total", #"reason="client_closed""#) + 2)
        await gateway.stop()
    }

    @Test func handshakeFailuresAreCountedByReason() async throws {
        let gateway = try await Self.startGateway()
        let before = try await gateway.scrape()
        // curl without the test CA refuses the certificate and aborts the handshake.
        let refused = try await ChildProcess.run("curl", ["-sS", "--max-time", "5", "\(gateway.tlsURL)/healthz"])
        #expect(refused.status != 0)
        var after = try await gateway.scrape()
        for _ in 0..<50 where after.sum("ssegate_tls_handshake_failures_total") <= before.sum("ssegate_tls_handshake_failures_total") {
            try await Task.sleep(for: .milliseconds(20))
            after = try await gateway.scrape()
        }
        #expect(after.sum("ssegate_tls_handshake_failures_total", #"listener="tls""#)
            > before.sum("ssegate_tls_handshake_failures_total", #"listener="tls""#))
        await gateway.stop()
    }

    @Test func http2ResetsAndGoAwaysAreCountedByErrorCode() async throws {
        let gateway = try await TestGateway.start { configuration in
            configuration.http2.idleTimeout = .milliseconds(200)
            configuration.routes.append(RouteConfiguration(
                route: Route(pattern: try! RoutePattern("/metrics"), action: .metrics), listeners: ["plain"]))
        }
        let before = try await gateway.scrape()
        // An HTTP/2 client (prior knowledge) opens a stream, cancels it (RST_STREAM CANCEL), stays idle
        // past the gateway's idle timeout (GOAWAY NO_ERROR from the gateway), then says GOAWAY itself.
        let script = """
            import socket, sys, time
            import h2.config, h2.connection, h2.errors
            sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
            conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
            conn.initiate_connection()
            conn.send_headers(1, [(":method", "GET"), (":path", "/events/reset"), (":scheme", "http"), (":authority", "x")], end_stream=True)
            sock.sendall(conn.data_to_send())
            sock.settimeout(2)
            conn.receive_data(sock.recv(65535))
            conn.reset_stream(1, error_code=h2.errors.ErrorCodes.CANCEL)
            sock.sendall(conn.data_to_send())
            time.sleep(0.6)
            try:
                conn.receive_data(sock.recv(65535))
            except Exception:
                pass
            conn.close_connection(error_code=h2.errors.ErrorCodes.NO_ERROR)
            try:
                sock.sendall(conn.data_to_send())
            except Exception:
                pass
            sock.close()
            """
        let client = try await ChildProcess.run("python3", ["-c", script, String(gateway.plainPort)], timeout: .seconds(15))
        #expect(client.status == 0, "client: \(client.errors)")
        var after = try await gateway.scrape()
        for _ in 0..<50 where after.sum("ssegate_http2_goaway_frames_total", #"direction="sent""#) <= before.sum("ssegate_http2_goaway_frames_total", #"direction="sent""#) {
            try await Task.sleep(for: .milliseconds(20))
            after = try await gateway.scrape()
        }
        let frames = after.samples.filter { $0.key.contains("http2") }
        #expect(after.sum("ssegate_http2_rst_stream_frames_total", #"direction="received""#, #"error_code="CANCEL""#)
            > before.sum("ssegate_http2_rst_stream_frames_total", #"direction="received""#, #"error_code="CANCEL""#), "\(frames)")
        #expect(after.sum("ssegate_http2_goaway_frames_total", #"direction="sent""#, #"error_code="NO_ERROR""#)
            > before.sum("ssegate_http2_goaway_frames_total", #"direction="sent""#, #"error_code="NO_ERROR""#), "\(frames)")
        await gateway.stop()
    }

    @Test func slowConsumersEndedAreCounted() async throws {
        let gateway = try await TestGateway.start { configuration in
            configuration.streams.outboundBudget = 64 * 1024
            configuration.publish.maxBodyBytes = 4 << 20
            configuration.routes.append(RouteConfiguration(
                route: Route(pattern: try! RoutePattern("/metrics"), action: .metrics), listeners: ["plain"]))
        }
        let slow = #"reason="slow_consumer""#
        let before = try await gateway.scrape()
        // A client that asks for a stream and never reads.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let stalled = try await ClientBootstrap(group: group)
            .channelOption(.autoRead, value: false)
            .channelOption(.socketOption(.so_rcvbuf), value: 4096)
            .connect(host: "127.0.0.1", port: gateway.plainPort)
            .get()
        try await stalled.writeAndFlush(ByteBuffer(string: "GET /events/stall HTTP/1.1\r\nHost: test\r\n\r\n"))
        #expect(await gateway.waitForSubscribers("stall", count: 1))
        let payload = String(repeating: "x", count: 32 * 1024)
        let batch = gateway.directory + "/batch.json"
        try ("[" + (0..<8).map { #"{"data":"\#($0)-\#(payload)"}"# }.joined(separator: ",") + "]").write(toFile: batch, atomically: true, encoding: .utf8)
        for _ in 0..<128 where gateway.server.subscriberCount(channel: "stall") == 1 {
            _ = try await gateway.curl(["-X", "POST", "-H", "content-type: application/json", "--data-binary", "@\(batch)", "\(gateway.plainURL)/publish/stall"])
        }
        #expect(await gateway.waitForSubscribers("stall", count: 0), "the stalled reader was never ended")
        let after = try await gateway.scrape()
        #expect(after.sum("ssegate_streams_ended_total", slow, #"route="/events/{channel}""#)
            >= before.sum("ssegate_streams_ended_total", slow, #"route="/events/{channel}""#) + 1)
        try? await stalled.close()
        try await group.shutdownGracefully()
        await gateway.stop()
    }

    @Test func metricsRouteExistsOnlyOnItsListener() async throws {
        let gateway = try await Self.startGateway()
        let publicAnswer = try await gateway.curl(["\(gateway.tlsURL)/metrics"])
        #expect(publicAnswer.status == 404)
        // Headers only: the body holds every series of the test process.
        let local = try await gateway.curl(["-o", "/dev/null", "-D", "-", "\(gateway.plainURL)/metrics"])
        #expect(local.status == 200)
        #expect(local.body.lowercased().contains("content-type: text/plain; version=0.0.4"))
        await gateway.stop()
    }
}
