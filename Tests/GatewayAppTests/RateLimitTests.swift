@testable import GatewayApp
import GatewayConfig
import GatewayHTTP
import GatewayHub
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

/// The token bucket alone (time passed in), then the middleware answering 429 with `Retry-After`.
@Suite struct RateLimitTests {
    private let second: Int64 = 1_000_000_000

    @Test func burstThenRefusalThenRefill() {
        // 3 requests per 3 s: a burst of 3, then one token per second.
        var bucket = TokenBucket(capacity: 3, periodNanoseconds: 3 * second, now: 0)
        #expect(bucket.requestArrived(at: 0) == .allowed)
        #expect(bucket.requestArrived(at: 0) == .allowed)
        #expect(bucket.requestArrived(at: 0) == .allowed)
        #expect(bucket.requestArrived(at: 0) == .refused(retryAfterNanoseconds: second))
        #expect(bucket.requestArrived(at: second / 2) == .refused(retryAfterNanoseconds: second / 2))
        #expect(bucket.requestArrived(at: second) == .allowed)
        #expect(bucket.requestArrived(at: second) == .refused(retryAfterNanoseconds: second))
    }

    @Test func idleTimeRefillsOnlyUpToTheCapacity() {
        var bucket = TokenBucket(capacity: 2, periodNanoseconds: 2 * second, now: 0)
        #expect(bucket.requestArrived(at: 0) == .allowed)
        #expect(bucket.requestArrived(at: 0) == .allowed)
        // An hour idle gives back two tokens, not 3600.
        #expect(bucket.requestArrived(at: 3600 * second) == .allowed)
        #expect(bucket.requestArrived(at: 3600 * second) == .allowed)
        #expect(bucket.requestArrived(at: 3600 * second) != .allowed)
    }

    @Test func aClockGoingBackwardsGivesNothing() {
        var bucket = TokenBucket(capacity: 1, periodNanoseconds: second, now: 10 * second)
        #expect(bucket.requestArrived(at: 10 * second) == .allowed)
        #expect(bucket.requestArrived(at: 5 * second) != .allowed)
    }

    @Test func middlewareAnswers429WithRetryAfterAndAJSONBody() throws {
        let configuration = try GatewayConfiguration.parse(yaml: """
            routes:
              - path: /demo/publish/{channel}
                publish: "demo:{channel}"
                anonymous: true
                rate_limit: {requests: 2, per: 1h}
            """, fileName: "limit.yaml")
        let engine = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits())
        let snapshot = RuntimeSnapshot(configuration: configuration, engine: engine, publishToken: nil, readiness: Readiness())
        let loop = EmbeddedEventLoop()
        func publish() -> (status: Int, headers: [(name: String, value: String)], body: String) {
            // Untrusted, no token: the anonymous route publishes anyway.
            let request = Request(method: .POST, target: "/demo/publish/news", headers: [], body: ByteBuffer(string: "hi"),
                                  connection: ConnectionInfo(listener: "public", trusted: false))
            var response = snapshot.respond(to: request, on: loop)
            if case .deferred(let future) = response {
                loop.run()
                response = try! future.wait()
            }
            guard case .complete(let status, let headers, let body) = response else { return (0, [], "") }
            return (status, headers, String(buffer: body))
        }
        #expect(publish().status == 200)
        #expect(publish().body.contains("\"channel\":\"demo:news\""))
        let refused = publish()
        #expect(refused.status == 429)
        let retryAfter = try #require(refused.headers.first { $0.name == "retry-after" }.flatMap { Int($0.value) })
        #expect((1799...1800).contains(retryAfter), "one token per 30 min")
        #expect(refused.body.contains("\"code\":\"rate_limited\""))
        #expect(refused.body.contains("\"retry_after\":\(retryAfter)"))
    }

    @Test func aPublishRouteWithoutAnonymousStillNeedsCredentials() throws {
        let configuration = try GatewayConfiguration.parse(yaml: """
            routes:
              - {path: "/p/{channel}", publish: "{channel}", rate_limit: {requests: 5, per: 1s}}
            """, fileName: "limit.yaml")
        let snapshot = RuntimeSnapshot(configuration: configuration, engine: MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits()),
                                       publishToken: "secret", readiness: Readiness())
        let request = Request(method: .POST, target: "/p/news", headers: [], body: ByteBuffer(string: "hi"),
                              connection: ConnectionInfo(listener: "public", trusted: false))
        #expect(snapshot.respond(to: request, on: EmbeddedEventLoop()).status == 401)
    }
}
