import Foundation
import NIOCore
import Testing

@testable import GatewayApp

/// A token stream's expiry is one word in its plan: `exp` in whole seconds and the jittered warning in
/// milliseconds.
@Suite struct StreamAuthExpiryTests {
    @Test func theWordKeepsExpiryAndWarning() throws {
        let exp = Date(timeIntervalSince1970: 1_900_000_000.75)
        let expiry = StreamAuthExpiry(expiresAt: exp, warning: .seconds(30))
        // Rounded down: the stream ends up to a second early, never late.
        #expect(expiry.expiresAt == Date(timeIntervalSince1970: 1_900_000_000))
        #expect((TimeAmount.seconds(30)...TimeAmount.milliseconds(37_500)).contains(expiry.warning))
        let restored = try #require(StreamAuthExpiry(packed: expiry.packed))
        #expect(restored.expiresAt == expiry.expiresAt)
        #expect(restored.warning == expiry.warning)
    }

    @Test func zeroIsNoTokenAndAPlanStoresTheWord() throws {
        #expect(StreamAuthExpiry(packed: 0) == nil)
        // Even a token whose `exp` is the epoch itself is not mistaken for "no token".
        #expect(StreamAuthExpiry(expiresAt: Date(timeIntervalSince1970: 0), warning: .zero).packed != 0)
    }

    /// Past 2106 (32 bits of seconds) the expiry is kept as 2106, and a warning past 49 days as 49 days:
    /// never wrapped round to an early end.
    @Test func outOfRangeValuesAreClampedNotWrapped() {
        let far = StreamAuthExpiry(expiresAt: Date(timeIntervalSince1970: 1e12), warning: .seconds(86_400 * 100))
        #expect(far.expiresAt == Date(timeIntervalSince1970: Double(UInt32.max)))
        #expect(far.warning == .milliseconds(Int64(UInt32.max)))
    }
}
