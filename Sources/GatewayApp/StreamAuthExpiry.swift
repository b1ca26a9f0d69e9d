import Foundation
import GatewayHTTP
import GatewaySSE
import NIOCore

/// When a token-authorized stream is warned and when it ends: `stream-auth-expiring` some time before the
/// token's `exp` (so the page fetches a new token), then a clean end at `exp` with a `retry:` hint, after which
/// the client reconnects with the new token and its `Last-Event-ID` and misses nothing.
///
/// Both moments are entries in the loop's `HeartbeatWheel` (one-second ticks), not timers, and only near
/// them: the stream's own heartbeat entry visits it at least once per heartbeat interval, and the warning
/// gets an entry of its own once it is due within the next interval; the end is scheduled when the warning
/// has gone out. So a stream with a token of hours holds no wheel entry for it until its last minute (an
/// entry is ~53 bytes with its share of the bucket).
///
/// One word, kept inline in the stream's plan (`EventStreamPlan.packedAuthExpiry`, 0 for a stream without
/// a token): `exp` in whole seconds and the jittered warning in milliseconds. As an object it was a 48-byte
/// heap block per token-authorized stream, about 4% of such a stream's memory.
struct StreamAuthExpiry: Sendable {
    /// Up to this fraction of the warning time is added at random, so the streams of tokens minted together do
    /// not all ask the token service for new ones in the same second.
    static let warningJitter = 0.25

    /// `exp` in seconds since 1970 in the upper 32 bits (until 2106; later is kept as 2106), never 0; the
    /// warning in milliseconds in the lower 32 (up to 49 days).
    let packed: UInt64

    init(expiresAt: Date, warning: Duration) {
        // Whole seconds, rounded down: a fractional `exp` ends the stream up to a second early, never late.
        let seconds = UInt64(max(1, min(Double(UInt32.max), expiresAt.timeIntervalSince1970.rounded(.down))))
        let nanoseconds = Double(TimeAmount(warning).nanoseconds)
        let jittered = nanoseconds * (1 + Double.random(in: 0...Self.warningJitter)) / 1_000_000
        let milliseconds = UInt64(max(0, min(Double(UInt32.max), jittered.rounded())))
        packed = seconds << 32 | milliseconds
    }

    /// The expiry a plan stored with `packed`; nil for 0 (no token).
    init?(packed: UInt64) {
        guard packed != 0 else { return nil }
        self.packed = packed
    }

    /// The token's `exp` (whole seconds).
    var expiresAt: Date { Date(timeIntervalSince1970: Double(packed >> 32)) }
    /// How long before `exp` the warning goes out, jitter applied.
    var warning: TimeAmount { .milliseconds(Int64(packed & 0xFFFF_FFFF)) }

    /// Puts the warning into the wheel when it is due within `horizon`, counted from now (the wheel's clock
    /// is monotonic, `exp` is wall-clock time, so the distance is taken here); returns whether it did. A token
    /// with less life left than the warning time is warned at once, in the next tick.
    func armWarning(_ stream: any TimedStream, on wheel: HeartbeatWheel, within horizon: TimeAmount, now: Date = Date()) -> Bool {
        let untilWarning = remaining(at: now) - warning
        guard untilWarning <= horizon else { return false }
        wheel.schedule(.authExpiring, for: stream, after: max(untilWarning, .zero))
        return true
    }

    /// Puts the end at `exp` into the wheel: called when the warning goes out.
    func scheduleEnd(_ stream: any TimedStream, on wheel: HeartbeatWheel, now: Date = Date()) {
        wheel.schedule(.authExpired, for: stream, after: max(remaining(at: now), .zero))
    }

    private func remaining(at now: Date) -> TimeAmount {
        .nanoseconds(Int64(expiresAt.timeIntervalSince(now) * 1_000_000_000))
    }

    /// `event: stream-auth-expiring` with `{"expires_at":"…","expires_in":seconds}`, without an id so the
    /// client's `Last-Event-ID` stays the last real event.
    var warningEvent: ByteBuffer {
        let formatter = ISO8601DateFormatter()
        let seconds = max(0, Int(expiresAt.timeIntervalSinceNow.rounded()))
        let data = JSONValue.object([("expires_at", .string(formatter.string(from: expiresAt))), ("expires_in", .int(seconds))]).text
        return EventStreamEncoder.encode(try! ServerSentEvent(type: ControlEvent.streamAuthExpiring, data: data), id: nil)
    }
}
