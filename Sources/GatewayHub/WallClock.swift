#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time for epochs: they must differ across process restarts, which a monotonic clock does not give.
public enum WallClock {
    public static func milliseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec / 1_000_000)
    }
}
