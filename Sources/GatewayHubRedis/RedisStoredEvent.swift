import GatewayHub
import GatewayRedis
import GatewaySSE
import NIOCore

/// One history entry as the publish script stores it, and back as the event every node sends.
///
/// Fields: `d` the event body (the wire bytes after the `id:` line), `p` the epoch of the life it was
/// published in, `t` the target sessions (newline-joined; absent for everyone).
enum RedisStoredEvent {
    /// The event an entry holds, or nil when the entry is not one of ours (no body, unparsable epoch).
    static func decode(_ entry: RedisStreamEntry, clock: WallToMonotonic) -> (epoch: UInt64, event: EncodedEvent)? {
        guard let body = entry["d"], let epochBytes = entry["p"], let epoch = UInt64(String(buffer: epochBytes)) else { return nil }
        let targets = entry["t"].map { Set(String(buffer: $0).split(separator: "\n").map(String.init)) }
        let cursor = EventCursor(epoch: epoch, sequence: RedisChannelKeys.sequence(of: entry.id))
        let publishedAt = clock.deadline(forWallMilliseconds: RedisChannelKeys.publishedMilliseconds(of: entry.id))
        return (epoch, EncodedEvent(cursor: cursor, body: body, publishedAt: publishedAt, targets: targets))
    }

    /// The `targets` argument of the publish script.
    static func targetsArgument(_ targets: Set<String>?) -> String {
        targets.map { $0.sorted().joined(separator: "\n") } ?? ""
    }
}

/// Turns a wall-clock time (Redis's, in an entry id) into this process's monotonic `NIODeadline`, so
/// replayed events of several channels sort by publish time like the memory engine's do.
struct WallToMonotonic: Sendable {
    let wallNow: UInt64
    let monotonicNow: NIODeadline

    init(wallNow: UInt64 = WallClock.milliseconds(), monotonicNow: NIODeadline = .now()) {
        self.wallNow = wallNow
        self.monotonicNow = monotonicNow
    }

    func deadline(forWallMilliseconds milliseconds: UInt64) -> NIODeadline {
        if milliseconds >= wallNow { return monotonicNow + .milliseconds(Int64(milliseconds - wallNow)) }
        // Older than this process: clamp at its start rather than underflow the monotonic clock.
        let back = min(wallNow - milliseconds, monotonicNow.uptimeNanoseconds / 1_000_000)
        return monotonicNow - .milliseconds(Int64(back))
    }
}
