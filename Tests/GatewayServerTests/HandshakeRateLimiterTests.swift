import GatewayApp
import GatewayConfig
import Testing

@testable import GatewayServer

/// The handshake rate alone (time passed in): per client, per listener, and in bounded memory however many
/// source addresses a flood cycles through.
@Suite struct HandshakeRateLimiterTests {
    private let limits = ListenerLimits(maxConnections: 100, maxConnectionsPerIP: 0, handshakesPerSecondPerIP: 2, handshakeBurstPerIP: 3)
    private let second: Int64 = 1_000_000_000

    @Test func aClientGetsItsBurstThenTheRate() {
        let limiter = HandshakeRateLimiter()
        let client = ClientAddressKey.ipv4(0x7f00_0001)
        #expect((0..<3).allSatisfy { _ in limiter.admit(client, listener: "public", limits: limits, now: 0) })
        #expect(!limiter.admit(client, listener: "public", limits: limits, now: 0))
        // Another client, another listener: their own buckets.
        #expect(limiter.admit(.ipv4(0x7f00_0002), listener: "public", limits: limits, now: 0))
        #expect(limiter.admit(client, listener: "other", limits: limits, now: 0))
        // Two per second come back.
        #expect(limiter.admit(client, listener: "public", limits: limits, now: second / 2))
        #expect(!limiter.admit(client, listener: "public", limits: limits, now: second / 2))
    }

    @Test func noRateMeansNoBuckets() {
        let limiter = HandshakeRateLimiter()
        var open = limits
        open.handshakesPerSecondPerIP = 0
        #expect((0..<100).allSatisfy { _ in limiter.admit(.ipv4(1), listener: "public", limits: open, now: 0) })
        #expect(limiter.clientCount(listener: "public") == 0)
    }

    @Test func aFloodFromEverNewAddressesStaysBounded() {
        let limiter = HandshakeRateLimiter()
        // 200,000 distinct /64s, one handshake each: every one is admitted (a fresh bucket), the table stays
        // at its bound.
        for prefix in UInt64(0)..<200_000 {
            _ = limiter.admit(.ipv6Prefix(0x2001_0db8_0000_0000 | prefix), listener: "public", limits: limits, now: 0)
        }
        #expect(limiter.clientCount(listener: "public") <= HandshakeRateLimiter.maxClientsPerListener)
        #expect(limiter.clientCount(listener: "public") >= HandshakeRateLimiter.maxClientsPerListener / 2)
    }
}
