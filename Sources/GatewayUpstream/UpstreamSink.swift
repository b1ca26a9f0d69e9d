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

/// Why a connection to the origin ended; reported with every reconnect and with the final failure.
public enum UpstreamProblem: Sendable, Hashable, CustomStringConvertible {
    case connectFailed(String)
    case tlsFailed(String)
    /// No bytes (not even a comment) for the read timeout.
    case readTimeout
    /// A status other than 200: final for 204 and 4xx except 408 and 429 (WHATWG HTML §9.2.3).
    case status(Int)
    /// 200 with a content type other than `text/event-stream`: final, as in EventSource.
    case notAnEventStream(String?)
    /// An event or line larger than the configured maximum.
    case eventTooLarge(limit: Int)
    /// The origin ended the response (EventSource reconnects after this too).
    case endedByOrigin
    case protocolError(String)

    public var description: String {
        switch self {
        case .connectFailed(let reason): "cannot connect: \(reason)"
        case .tlsFailed(let reason): "TLS failed: \(reason)"
        case .readTimeout: "no data within the read timeout"
        case .status(204): "the origin answered 204 No Content (stop reconnecting)"
        case .status(let status): "the origin answered HTTP \(status)"
        case .notAnEventStream(let type): "the origin's content type is \(type.map { "'\($0)'" } ?? "missing"), not text/event-stream"
        case .eventTooLarge(let limit): "an event or line exceeded the maximum of \(limit) bytes"
        case .endedByOrigin: "the origin ended the stream"
        case .protocolError(let reason): "protocol error: \(reason)"
        }
    }

    /// The HTTP status involved, if any (for the `stream-error` event).
    public var status: Int? {
        if case .status(let status) = self { status } else { nil }
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

/// How an origin's response head is treated, following EventSource (WHATWG HTML §9.2.3 "announce the
/// connection" / "fail the connection" / "reestablish the connection").
enum UpstreamResponseRule: Equatable {
    case stream
    case retry(UpstreamProblem)
    case final(UpstreamProblem)

    static func classify(status: Int, contentType: String?) -> UpstreamResponseRule {
        switch status {
        case 200:
            // Media type only; parameters such as `charset` are allowed (EventSource ignores them).
            let media = contentType?.split(separator: ";").first.map { String($0.filter { $0 != " " && $0 != "\t" }).lowercased() }
            return media == "text/event-stream" ? .stream : .final(.notAnEventStream(contentType))
        case 204:
            return .final(.status(status))
        // 408 Request Timeout and 429 Too Many Requests invite a retry by their definitions (RFC 9110
        // §15.5.9, RFC 6585 §4); 5xx are the origin's own trouble, usually passing.
        case 408, 429, 500...599:
            return .retry(.status(status))
        default:
            // Other 2xx, 3xx (redirects are not followed: configure the final URL), 4xx: fail for good.
            return .final(.status(status))
        }
    }
}
