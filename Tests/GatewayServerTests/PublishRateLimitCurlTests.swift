import Foundation
import GatewayConfig
import GatewayTestSupport
import Testing

/// The per-publisher budget (`publish.rate_limit`) as curl sees it: 429 with an integer `Retry-After` and
/// the JSON error body once the token's budget is spent, while the trusted listener's publishes (the
/// witness's ticks) are not counted.
@Suite struct PublishRateLimitCurlTests {
    @Test func theStaticTokenGets429WithRetryAfterPastItsBudget() async throws {
        let gateway = try await TestGateway.start(environment: ["SSEGATE_PUBLISH_TOKEN": "s3cret"]) { config in
            config.publish.rateLimit = RouteRateLimit(requests: 2, period: .seconds(3600))
        }
        defer { Task { await gateway.stop() } }
        let witness = try await Witness.start(gateway)
        func publish() async throws -> (status: Int, body: String) {
            try await gateway.curl(["-i", "-X", "POST", "-H", "authorization: Bearer s3cret", "--data-binary", "x", "\(gateway.tlsURL)/publish/limited"])
        }
        #expect(try await publish().status == 200)
        #expect(try await publish().status == 200)
        let refused = try await publish()
        #expect(refused.status == 429)
        let retryAfter = refused.body.split(separator: "\r\n").first { $0.lowercased().hasPrefix("retry-after:") }
            .map { $0.dropFirst("retry-after:".count).trimmingCharacters(in: .whitespaces) }
        let seconds = try #require(retryAfter.flatMap { Int($0) }, "Retry-After is not an integer: \(refused.body)")
        #expect(seconds > 0 && seconds <= 3600)
        #expect(refused.body.contains("\"code\":\"rate_limited\""))
        #expect(refused.body.contains("\"retry_after\":\(seconds)"))
        // The trusted listener is the backend: never counted.
        for _ in 0..<5 { #expect(try await gateway.publish("limited", body: "local").status == 200) }
        try await Task.sleep(for: .milliseconds(300))
        #expect(await witness.finish() == nil)
    }
}
