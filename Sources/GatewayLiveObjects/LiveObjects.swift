import Synchronization

/// How many of one kind of object are alive: incremented in its `init`, decremented in its `deinit`.
public final class LiveObjectCounter: Sendable {
    private let live = Atomic<Int>(0)

    package init() {}

    public var count: Int { live.load(ordering: .relaxed) }

    package func created() { live.add(1, ordering: .relaxed) }

    package func destroyed() { live.subtract(1, ordering: .relaxed) }
}

/// Live instances of the objects a connection is made of, so a test can show that closed connections left
/// nothing behind (a handler kept by a timer, a sweeper or a cycle keeps its session, TLS state and queued
/// bytes with it).
///
/// Why counters and not weak references or a registry: a weak reference gives the object a side table (every
/// later retain takes the slow path, and handlers are retained on every write), a registry costs memory per
/// connection. A relaxed atomic add in `init` and `deinit` costs a few nanoseconds per connection and nothing
/// per event. The counts are process-wide: every server, upstream and Redis client of the process adds to them.
public enum LiveObjects {
    /// `HTTP1ConnectionHandler`s (one per HTTP/1.1 connection).
    public static let http1ConnectionHandlers = LiveObjectCounter()
    /// `HTTP2ConnectionHandler`s (one per HTTP/2 connection).
    public static let http2ConnectionHandlers = LiveObjectCounter()
    /// `HTTP2ServerSession`s: an nghttp2 server session each, with its frame buffer and queued output.
    public static let http2ServerSessions = LiveObjectCounter()
    /// `TLSHandler`s, server and client side.
    public static let tlsHandlers = LiveObjectCounter()
    /// `TLSConnection`s: an OpenSSL `SSL*` and its two memory BIOs each, server and client side.
    public static let tlsConnections = LiveObjectCounter()
}
