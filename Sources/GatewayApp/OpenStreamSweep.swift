import GatewayHTTP
import NIOCore

/// Ends running streams from outside their connections: after a reload, those whose route is gone; in a
/// paced drain, all of them, each at its own moment.
///
/// Maintainer note: there is no registry of open streams. Every open stream already sits in its loop's
/// `HeartbeatWheel`, and its plan points at its route's `StreamRoute`, which knows the route it was
/// compiled from; so a sweep visits each loop's wheel on that loop and asks the new snapshot about each
/// stream. Per-stream memory stays what it was, and nothing is added to the delivery path. A stream still
/// waiting for its engine to answer the subscribes is not in the wheel yet; with the memory engine there is
/// no such moment (the join runs in the same loop task), and with a remote engine the drain's deadline
/// still ends it.
public enum OpenStreamSweep {
    /// Ends, with a `retry:` hint, every stream `snapshot` no longer keeps (see `RuntimeSnapshot.keepsStream`).
    /// Completes with the number of streams ended.
    public static func endStreamsNotKept(by snapshot: RuntimeSnapshot, on loops: [LoopServices]) -> EventLoopFuture<Int>? {
        guard let first = loops.first else { return nil }
        let counts = loops.map { loop in
            loop.eventLoop.submit {
                var ended = 0
                loop.heartbeats.forEachOpenStream { stream in
                    guard let stream = stream as? ChannelStream, !snapshot.keepsStream(stream.plan) else { return }
                    stream.finishWithRetryHint(.routeRemoved)
                    ended += 1
                }
                return ended
            }
        }
        return EventLoopFuture.whenAllSucceed(counts, on: first.eventLoop).map { $0.reduce(0, +) }
    }

    /// Schedules the end of every open stream at a random moment within `window` (uniform, so reconnects
    /// arrive at an even rate instead of all at once), each with a `retry:` hint. Completes with the
    /// number of streams scheduled once every loop has scheduled its own.
    public static func paceEnds(over window: Duration, on loops: [LoopServices]) -> EventLoopFuture<Int>? {
        guard let first = loops.first else { return nil }
        let windowNanoseconds = max(Int64(1), TimeAmount(window).nanoseconds)
        let counts = loops.map { loop in
            loop.eventLoop.submit {
                var scheduled: [ChannelStream] = []
                loop.heartbeats.forEachOpenStream { stream in
                    if let stream = stream as? ChannelStream { scheduled.append(stream) }
                }
                for stream in scheduled {
                    let delay = TimeAmount.nanoseconds(Int64.random(in: 0..<windowNanoseconds))
                    loop.eventLoop.assumeIsolated().scheduleTask(in: delay) { stream.finishWithRetryHint(.draining) }
                }
                return scheduled.count
            }
        }
        return EventLoopFuture.whenAllSucceed(counts, on: first.eventLoop).map { $0.reduce(0, +) }
    }
}
