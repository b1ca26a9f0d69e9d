import Testing
@testable import GatewayHTTP2

/// Outside `#expect`: the macro cannot evaluate a mutating call on a local.
private func take(_ limiter: inout FloodLimiter, _ now: UInt64) -> Bool {
    limiter.take(now: now)
}

@Suite struct FloodLimiterTests {
    private let second: UInt64 = 1_000_000_000

    @Test func burstIsSpentThenRefused() {
        var limiter = FloodLimiter(burst: 3, ratePerSecond: 2, now: 0)
        #expect(take(&limiter, 0))
        #expect(take(&limiter, 0))
        #expect(take(&limiter, 0))
        #expect(!take(&limiter, 0))
    }

    @Test func refillsAtTheRateAndKeepsTheRemainder() {
        var limiter = FloodLimiter(burst: 2, ratePerSecond: 2, now: 0)
        #expect(take(&limiter, 0))
        #expect(take(&limiter, 0))
        // 0.3 s earns nothing at 2/s; 0.6 s (remainder kept) earns one token.
        #expect(!take(&limiter, second * 3 / 10))
        #expect(take(&limiter, second * 6 / 10))
        #expect(!take(&limiter, second * 6 / 10))
    }

    @Test func aQuietSpellRefillsOnlyUpToTheBurst() {
        var limiter = FloodLimiter(burst: 3, ratePerSecond: 10, now: 0)
        #expect(take(&limiter, 0))
        let later = 100 * second
        for _ in 0..<3 {
            #expect(take(&limiter, later))
        }
        #expect(!take(&limiter, later))
    }

    @Test func zeroRateNeverRefills() {
        var limiter = FloodLimiter(burst: 1, ratePerSecond: 0, now: 0)
        #expect(take(&limiter, 0))
        #expect(!take(&limiter, 1000 * second))
    }
}
