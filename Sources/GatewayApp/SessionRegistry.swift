import NIOCore
import Synchronization

/// Open streams by session, for the admin API (show a session's streams, evict a session).
///
/// Streams register when they start and leave when they end; the registry holds them strongly only
/// between the two. Spread over shards by the session's hash so streams opening on different loops
/// rarely wait for one lock. A stream itself stores nothing for this: an entry is one reference in its
/// session's slot, and a session with one stream (the usual case) needs no array.
public final class SessionRegistry: Sendable {
    private final class Shard: Sendable {
        let sessions = Mutex<[String: SessionStreams]>([:])
    }

    /// One stream inline; several in an array.
    private enum SessionStreams {
        case one(RegisteredStream)
        case many([RegisteredStream])

        var streams: [RegisteredStream] {
            switch self {
            case .one(let stream): [stream]
            case .many(let streams): streams
            }
        }
    }

    private let shards: [Shard]

    public init(shardCount: Int = 16) {
        shards = (0..<max(1, shardCount)).map { _ in Shard() }
    }

    private func shard(_ session: String) -> Shard {
        shards[Int(UInt(bitPattern: session.hashValue) % UInt(shards.count))]
    }

    func add(_ stream: ChannelStream) {
        let entry = RegisteredStream(stream: stream)
        shard(stream.plan.session).sessions.withLock { sessions in
            switch sessions[stream.plan.session] {
            case nil: sessions[stream.plan.session] = .one(entry)
            case .one(let first): sessions[stream.plan.session] = .many([first, entry])
            case .many(let streams): sessions[stream.plan.session] = .many(streams + [entry])
            }
        }
    }

    func remove(_ stream: ChannelStream) {
        shard(stream.plan.session).sessions.withLock { sessions in
            let remaining = (sessions[stream.plan.session]?.streams ?? []).filter { $0.stream !== stream }
            sessions[stream.plan.session] = switch remaining.count {
            case 0: nil
            case 1: .one(remaining[0])
            default: .many(remaining)
            }
        }
    }

    /// The session's open streams; empty for an unknown session.
    func streams(of session: String) -> [RegisteredStream] {
        shard(session).sessions.withLock { $0[session]?.streams ?? [] }
    }
}

/// A stream as the registry hands it across threads. `@unchecked Sendable`: the stream is only touched on
/// its own loop (`onLoop`), which every user of an entry goes through.
struct RegisteredStream: @unchecked Sendable {
    let stream: ChannelStream

    var eventLoop: any EventLoop { stream.loop.eventLoop }

    /// Runs `body` with the stream on the stream's loop.
    func onLoop<T: Sendable>(_ body: @escaping @Sendable (ChannelStream) -> T) -> EventLoopFuture<T> {
        let stream = UnsafeTransfer(stream)
        return eventLoop.submit { body(stream.wrapped) }
    }
}

/// Moves a loop-bound value into a task for its own loop.
struct UnsafeTransfer<Wrapped>: @unchecked Sendable {
    let wrapped: Wrapped
    init(_ wrapped: Wrapped) { self.wrapped = wrapped }
}
