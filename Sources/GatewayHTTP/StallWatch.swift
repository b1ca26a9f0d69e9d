/// The stall rule, as data: a stream with bytes queued whose sent mark (`StreamWriter.sentMark`) has not
/// moved for the stall timeout is stalled. Checked on the loop's `HeartbeatWheel` through entries that
/// carry the mark (`StreamDeadline.stallCheck`), so an idle stream pays nothing and a watched one only
/// its wheel entry.
public struct StallWatch: Sendable {
    /// The stall timeout in wheel ticks (seconds).
    public let timeoutTicks: Int64
    /// How often a watched stream is looked at: the timeout is met within a quarter of it.
    public var periodTicks: Int64 { max(1, timeoutTicks / 4) }

    public init(timeout: Duration) {
        let seconds = timeout.components.seconds + (timeout.components.attoseconds > 0 ? 1 : 0)
        timeoutTicks = max(1, seconds)
    }

    /// What to do at a check.
    public enum Verdict: Equatable, Sendable {
        /// Nothing queued: stop watching (a later heartbeat visit starts again).
        case stopWatching
        /// Check again after `afterTicks`, carrying this mark.
        case checkAgain(StreamDeadline, afterTicks: Int64)
        /// No byte left the queue for the whole timeout.
        case stalled
    }

    /// The first look (a heartbeat visit, or the stream's start): `mark` nil means nothing is queued. A
    /// stream that never got a byte out (`mark` exactly 0: everything it wrote is still queued) has been
    /// stalled since it opened at `openedTick`.
    public func start(mark: Int?, tick: Int64, openedTick: Int64) -> Verdict {
        guard let mark else { return .stopWatching }
        let since = mark == 0 ? openedTick : tick
        return judge(mark: mark, since: since, tick: tick)
    }

    /// A later look, with the mark and tick the check carried.
    public func check(mark: Int?, carried: UInt32, since: Int32, tick: Int64) -> Verdict {
        guard let mark else { return .stopWatching }
        // Only a mark that grew shows bytes leaving the queue. On HTTP/1.1 a write lowers it (its chunk
        // framing and TLS overhead are queued but never counted as written), so a heartbeat written to a
        // stream nobody reads must not restart the clock; the lower mark is carried on.
        let moved = Int32(bitPattern: UInt32(truncatingIfNeeded: mark) &- carried)
        guard moved <= 0 else {
            return judge(mark: mark, since: tick, tick: tick)  // bytes left the queue: the clock restarts
        }
        return judge(mark: mark, since: Int64(since), tick: tick)
    }

    private func judge(mark: Int, since: Int64, tick: Int64) -> Verdict {
        let remaining = since + timeoutTicks - tick
        guard remaining > 0 else { return .stalled }
        let deadline = StreamDeadline.stallCheck(sent: UInt32(truncatingIfNeeded: mark), since: Int32(truncatingIfNeeded: since))
        return .checkAgain(deadline, afterTicks: min(periodTicks, remaining))
    }
}
