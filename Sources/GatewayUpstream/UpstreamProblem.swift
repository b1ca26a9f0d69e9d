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
