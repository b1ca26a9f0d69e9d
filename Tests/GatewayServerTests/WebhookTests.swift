import GatewayConfig
import GatewayRouting
import GatewayTLS
import GatewayTestSupport
import Foundation
import Testing

/// Webhooks against a real receiver (`Clients/webhook_receiver.py`): signed notifications on open and
/// close, retries, and receivers that are slow or down never holding a stream back.
@Suite(.serialized) struct WebhookTests {
    private static let secret = "webhook-signing-secret"

    /// A running receiver and its port.
    private struct Receiver {
        let process: ChildProcess
        let port: Int

        /// `certificate`: serve HTTPS with this certificate and key.
        static func start(_ mode: String, certificate: DevelopmentCertificateAuthority.Files? = nil) async throws -> Receiver {
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients/webhook_receiver.py").path
            let tls = certificate.map { [$0.certificatePath, $0.keyPath] } ?? []
            let process = try ChildProcess("python3", [script, mode] + tls)
            #expect(await process.waitForOutput(containing: "PORT "), "receiver did not start: \(process.errorText)")
            let port = process.text.split(separator: "\n").first { $0.hasPrefix("PORT ") }.flatMap { Int($0.dropFirst(5)) }
            return Receiver(process: process, port: try #require(port))
        }

        /// The requests received so far: (signature, event header, body).
        var requests: [(signature: String?, event: String?, body: String)] {
            process.text.split(separator: "\n").compactMap { line in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
                return (object["signature"] as? String, object["event"] as? String, object["body"] as? String ?? "")
            }
        }
    }

    private static func startGateway(webhook: WebhookSettings) async throws -> TestGateway {
        try await TestGateway.start(environment: ["TEST_WEBHOOK_SECRET": secret]) { configuration in
            configuration.routes.insert(RouteConfiguration(
                route: Route(pattern: try! RoutePattern("/hooked/{channel}"), action: .channel(try! ParameterTemplate("{channel}"))),
                webhook: webhook), at: 0)
            configuration.routes.append(RouteConfiguration(route: Route(pattern: try! RoutePattern("/metrics"), action: .metrics)))
        }
    }

    private func waitFor(_ timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return try await condition()
    }

    private func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    @Test func signedNotificationsOnOpenAndClose() async throws {
        let receiver = try await Receiver.start("ok")
        defer { receiver.process.terminate() }
        let gateway = try await Self.startGateway(webhook: WebhookSettings(
            url: "http://127.0.0.1:\(receiver.port)/hooks", secretEnvironmentVariable: "TEST_WEBHOOK_SECRET"))
        let subscriber = try ChildProcess("curl", ["-sS", "-N", "--max-time", "20", "\(gateway.plainURL)/hooked/room?session=guest-1"])
        #expect(await gateway.waitForSubscribers("room", count: 1))
        #expect(await waitFor { receiver.requests.count >= 1 }, "no open notification")
        subscriber.terminate()
        #expect(await waitFor { receiver.requests.count >= 2 }, "no close notification: \(receiver.process.text)")

        let (opened, closed) = (receiver.requests[0], receiver.requests[1])
        for request in [opened, closed] {
            let expected = try HMACSHA256.hexAuthenticationCode(of: Array(request.body.utf8), key: Array(Self.secret.utf8))
            #expect(request.signature == "sha256=" + expected)
        }
        #expect(opened.event == "stream.opened")
        let openBody = json(opened.body)
        #expect(openBody["type"] as? String == "stream.opened")
        #expect(openBody["session"] as? String == "guest-1")
        #expect(openBody["channels"] as? [String] == ["room"])
        #expect(openBody["route"] as? String == "/hooked/{channel}")
        #expect((openBody["remote_address"] as? String)?.hasPrefix("127.0.0.1:") == true)
        #expect(openBody["subject"] is NSNull)
        let closeBody = json(closed.body)
        #expect(closeBody["type"] as? String == "stream.closed")
        #expect(closeBody["reason"] as? String == "client_closed")
        #expect(closeBody["duration_ms"] is Int)
        await gateway.stop()
    }

    @Test func anHTTPSReceiverIsVerifiedWithTheConfiguredCA() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-hook-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = try DevelopmentCertificateAuthority.ensure(directory: directory)
        let receiver = try await Receiver.start("ok", certificate: files)
        defer { receiver.process.terminate() }
        let gateway = try await Self.startGateway(webhook: WebhookSettings(
            url: "https://localhost:\(receiver.port)/hooks", secretEnvironmentVariable: "TEST_WEBHOOK_SECRET", caFile: files.caCertificatePath))
        let subscriber = try ChildProcess("curl", ["-sS", "-N", "--max-time", "20", "\(gateway.plainURL)/hooked/secure"])
        defer { subscriber.terminate() }
        #expect(await waitFor { receiver.requests.count >= 1 }, "no notification over TLS")
        #expect(receiver.requests.first?.event == "stream.opened")
        await gateway.stop()
    }

    @Test func anHTTPSReceiverWithAnUnknownCAGetsNothing() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-hook-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = try DevelopmentCertificateAuthority.ensure(directory: directory)
        let receiver = try await Receiver.start("ok", certificate: files)
        defer { receiver.process.terminate() }
        // No ca_file: the system roots do not know the development CA, so the handshake is refused.
        let gateway = try await Self.startGateway(webhook: WebhookSettings(
            url: "https://localhost:\(receiver.port)/hooks", secretEnvironmentVariable: "TEST_WEBHOOK_SECRET", maxAttempts: 1))
        let receiverLabel = #"receiver="localhost:\#(receiver.port)""#
        let subscriber = try ChildProcess("curl", ["-sS", "-N", "--max-time", "20", "\(gateway.plainURL)/hooked/untrusted"])
        defer { subscriber.terminate() }
        #expect(await gateway.waitForSubscribers("untrusted", count: 1))
        #expect(try await waitFor {
            try await gateway.scrape().sum("ssegate_webhook_notifications_total", receiverLabel, #"result="failed""#) >= 1
        })
        #expect(receiver.requests.isEmpty)
        await gateway.stop()
    }

    @Test func failedAttemptsAreRetriedWithBackoff() async throws {
        let receiver = try await Receiver.start("fail:2")
        defer { receiver.process.terminate() }
        let gateway = try await Self.startGateway(webhook: WebhookSettings(
            url: "http://127.0.0.1:\(receiver.port)/hooks", secretEnvironmentVariable: "TEST_WEBHOOK_SECRET", backoff: .milliseconds(100)))
        let started = ContinuousClock.now
        let subscriber = try ChildProcess("curl", ["-sS", "-N", "--max-time", "20", "\(gateway.plainURL)/hooked/retry"])
        defer { subscriber.terminate() }
        // 500, 500 (after 100 ms), then 204 (after 200 ms more): the same body three times.
        #expect(await waitFor { receiver.requests.count >= 3 }, "retries: \(receiver.process.text)")
        #expect(ContinuousClock.now - started >= .milliseconds(300))
        let bodies = receiver.requests.prefix(3).map(\.body)
        #expect(Set(bodies).count == 1)
        let metrics = try await gateway.scrape()
        #expect(metrics.sum("ssegate_webhook_retries_total", #"receiver="127.0.0.1:\#(receiver.port)""#) >= 2)
        #expect(await waitFor {
            (try? await gateway.scrape().sum("ssegate_webhook_notifications_total", #"receiver="127.0.0.1:\#(receiver.port)""#, #"result="sent""#)) ?? 0 >= 1
        })
        await gateway.stop()
    }

    @Test func aReceiverThatIsDownNeitherBlocksStreamsNorGrowsWithoutBound() async throws {
        // A port nothing listens on: every attempt is refused.
        let probe = try await Receiver.start("ok")
        let deadPort = probe.port
        probe.process.terminate()
        _ = await probe.process.waitForExit(timeout: .seconds(5))
        // Each notification holds the sender for its retry (3 s): the rounds below overflow a queue of two
        // while the first notification still waits, and no stream may wait with it.
        let gateway = try await Self.startGateway(webhook: WebhookSettings(
            url: "http://127.0.0.1:\(deadPort)/hooks", secretEnvironmentVariable: "TEST_WEBHOOK_SECRET", maxAttempts: 2,
            backoff: .seconds(3), queueSize: 2))
        let receiverLabel = #"receiver="127.0.0.1:\#(deadPort)""#
        let started = ContinuousClock.now
        for round in 0..<3 {
            let subscriber = try ChildProcess("curl", ["-sS", "-N", "--max-time", "20", "\(gateway.plainURL)/hooked/down"])
            #expect(await gateway.waitForSubscribers("down", count: 1))
            _ = try await gateway.publish("down", body: "round \(round)")
            #expect(await subscriber.waitForOutput(containing: "data: round \(round)\n"))
            subscriber.terminate()
            #expect(await gateway.waitForSubscribers("down", count: 0))
        }
        // Six notifications in: one waits for its retry, two are queued, the rest were dropped.
        let during = try await gateway.scrape()
        if ContinuousClock.now - started < .seconds(3) {
            #expect(during.sum("ssegate_webhook_notifications_total", receiverLabel, #"result="failed""#) == 0)
        }
        #expect(during.sum("ssegate_webhook_dropped_total", receiverLabel) >= 1)
        #expect(during.sum("ssegate_webhook_queued", receiverLabel) <= 2)
        // After its second attempt the first notification counts as failed.
        #expect(try await waitFor(.seconds(15)) {
            try await gateway.scrape().sum("ssegate_webhook_notifications_total", receiverLabel, #"result="failed""#) >= 1
        })
        await gateway.stop()
    }

    @Test func aSlowReceiverIsCutOffByTheTimeoutAndTheQueueDropsTheOldest() async throws {
        let receiver = try await Receiver.start("slow:10")
        defer { receiver.process.terminate() }
        let gateway = try await Self.startGateway(webhook: WebhookSettings(
            url: "http://127.0.0.1:\(receiver.port)/hooks", secretEnvironmentVariable: "TEST_WEBHOOK_SECRET", timeout: .seconds(6),
            maxAttempts: 1, queueSize: 1))
        let receiverLabel = #"receiver="127.0.0.1:\#(receiver.port)""#
        // Ten streams open and close at once: twenty notifications for a queue of one behind a receiver
        // that holds each request for ten seconds.
        let subscribers = try (0..<10).map { _ in
            try ChildProcess("curl", ["-sS", "-N", "--max-time", "30", "\(gateway.plainURL)/hooked/slow"])
        }
        #expect(await gateway.waitForSubscribers("slow", count: 10))
        let sent = ContinuousClock.now
        _ = try await gateway.publish("slow", body: "prompt")
        for subscriber in subscribers {
            #expect(await subscriber.waitForOutput(containing: "data: prompt\n"))
        }
        // Had a stream waited for its notification, it would have waited for the 6 s timeout at least.
        #expect(ContinuousClock.now - sent < .seconds(5), "a slow receiver delayed the streams")
        for subscriber in subscribers { subscriber.terminate() }
        #expect(await gateway.waitForSubscribers("slow", count: 0))
        #expect(try await waitFor {
            try await gateway.scrape().sum("ssegate_webhook_dropped_total", receiverLabel) >= 10
        })
        // The request in flight is cut off by the timeout and counts as failed.
        #expect(try await waitFor(.seconds(15)) {
            try await gateway.scrape().sum("ssegate_webhook_notifications_total", receiverLabel, #"result="failed""#) >= 1
        })
        await gateway.stop()
    }
}
