/// One event of a `text/event-stream` (WHATWG HTML §9.2.5), as published: the gateway assigns the id.
///
/// Construction validates what the wire format cannot carry: an event type with CR or LF would end its
/// field early, and NUL makes browsers ignore an id (§9.2.6 "If the field value does not contain U+0000").
public struct ServerSentEvent: Sendable, Hashable {
    /// The `event:` type; nil means the default `message`.
    public let type: String?
    /// The `data:`; may contain line breaks (each line becomes one `data:` line on the wire).
    public let data: String
    /// The `retry:` reconnection time in milliseconds, if the publisher set one.
    public let retryMilliseconds: Int?

    public init(type: String? = nil, data: String, retryMilliseconds: Int? = nil) throws(ServerSentEventError) {
        if let type {
            guard !type.isEmpty else { throw .emptyType }
            guard !type.utf8.contains(where: Self.isForbiddenInField) else { throw .lineBreakInType }
            guard type.utf8.count <= Self.maxTypeBytes else { throw .typeTooLong }
        }
        guard !data.isEmpty else { throw .emptyData }
        guard !data.withUTF8Bytes({ ByteScan.contains(0, in: $0) }) else { throw .nulInData }
        if let retryMilliseconds, retryMilliseconds < 0 { throw .negativeRetry }
        self.type = type
        self.data = data
        self.retryMilliseconds = retryMilliseconds
    }

    /// Longest accepted event type, in bytes: types are names, not payloads.
    public static let maxTypeBytes = 256

    static func isForbiddenInField(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") || byte == 0
    }
}

/// Why an event cannot be sent as published.
public enum ServerSentEventError: Error, Sendable, Hashable, CustomStringConvertible {
    case emptyType
    case lineBreakInType
    case typeTooLong
    /// WHATWG: an event whose data buffer is empty is never dispatched, so accepting it would lose it silently.
    case emptyData
    case nulInData
    case negativeRetry

    public var description: String {
        switch self {
        case .emptyType: "event type must not be empty"
        case .lineBreakInType: "event type must not contain CR, LF or NUL"
        case .typeTooLong: "event type is longer than \(ServerSentEvent.maxTypeBytes) bytes"
        case .emptyData: "event data must not be empty (browsers never dispatch an event with empty data)"
        case .nulInData: "event data must not contain NUL"
        case .negativeRetry: "retry must be a non-negative number of milliseconds"
        }
    }
}
