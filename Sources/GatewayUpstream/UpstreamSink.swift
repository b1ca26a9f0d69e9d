/// One event read from an upstream, as the origin sent it.
public struct UpstreamEvent: Sendable, Hashable {
    /// `event:`; `message` when the origin sent none.
    public var type: String
    public var data: String
    /// The last event id in force at dispatch (empty when the origin never sent one).
    public var id: String

    public init(type: String, data: String, id: String) {
        self.type = type
        self.data = data
        self.id = id
    }
}

/// What an `UpstreamSource` reports. Every call is made on the source's event loop, in order.
///
/// The source never logs (logging lives in the server layer, STYLE.md §11): it tells the sink, which does.
public protocol UpstreamSink: AnyObject, Sendable {
    /// Events of one read, in order.
    func upstreamReceived(_ events: [UpstreamEvent])
    /// The connection state changed: connected, or lost with a reason and the delay before the next try.
    func upstreamStateChanged(_ change: UpstreamStateChange)
    /// A final answer: the source has stopped and will not reconnect.
    func upstreamFailed(_ problem: UpstreamProblem)
}

public enum UpstreamStateChange: Sendable, Hashable {
    /// A connection was opened and the origin answered with an event stream (`protocol`: `h2`, `http/1.1`).
    case streaming(protocol: String)
    /// The connection failed or ended; the next attempt is in `retryAfter`.
    case reconnecting(UpstreamProblem, retryAfter: Duration)
}
