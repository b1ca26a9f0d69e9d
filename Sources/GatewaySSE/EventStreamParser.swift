/// An incremental WHATWG `text/event-stream` parser (HTML §9.2.6, "Interpreting an event stream").
///
/// Feed it bytes as they arrive, in any split; it returns the events dispatched so far. Used for upstream
/// origins and by tests to read what clients received. Follows the spec's rules exactly: a leading BOM is
/// skipped, lines end at CRLF, CR or LF, comments are ignored, an `id` containing NUL is ignored, an event
/// with an empty data buffer is not dispatched, and an incomplete event at end of stream is discarded.
public struct EventStreamParser: Sendable {
    /// One dispatched event, as a browser's `MessageEvent` would see it.
    public struct Event: Sendable, Hashable {
        public var type: String
        public var data: String
        /// The last event id in force when this event was dispatched (`lastEventId`).
        public var lastEventID: String
    }

    /// A line longer than this ends parsing with an error rather than growing memory without bound.
    public let maxLineBytes: Int
    /// An event whose data buffer would grow past this many bytes ends parsing with an error, checked as
    /// each `data:` line is added: an origin that never sends the blank line cannot grow memory past
    /// `maxEventBytes + maxLineBytes`. Checked again on the decoded text, which replacement characters can
    /// make up to three times longer: no dispatched event's `data.utf8` exceeds it.
    public let maxEventBytes: Int
    /// The reconnection time from the latest valid `retry:` field, in milliseconds.
    public private(set) var retryMilliseconds: Int?
    /// Comment lines seen (heartbeats), counted so callers can observe liveness.
    public private(set) var commentCount = 0

    private var line: [UInt8] = []
    private var lastWasCR = false
    private var dataBuffer: [UInt8] = []
    private var hasData = false
    private var typeBuffer = ""
    private var lastEventID = ""

    /// `maxEventBytes` defaults to no limit beyond the line limit, as before it existed.
    public init(maxLineBytes: Int = 1 << 20, maxEventBytes: Int = .max) {
        self.maxLineBytes = maxLineBytes
        self.maxEventBytes = maxEventBytes
    }

    /// Why parsing stopped. After one, the parser's state is undefined: discard it (an upstream connection
    /// is closed and a fresh parser used for the next one). A struct, so new reasons do not break callers.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        private enum Reason: Sendable, Hashable { case lineTooLong, eventTooLarge }
        private let reason: Reason

        /// A line exceeded `maxLineBytes`.
        public static let lineTooLong = ParseError(reason: .lineTooLong)
        /// An event's data exceeded `maxEventBytes`.
        public static let eventTooLarge = ParseError(reason: .eventTooLarge)

        public var description: String {
            switch reason {
            case .lineTooLong: "an event stream line exceeded the limit"
            case .eventTooLarge: "an event's data exceeded the limit"
            }
        }
    }

    /// Parses more bytes and returns the events they complete.
    public mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes) throws(ParseError) -> [Event] {
        var events: [Event] = []
        try feed(bytes, into: &events)
        return events
    }

    /// Parses more bytes, appending the events they complete to `events`. On a throw, `events` keeps the
    /// ones completed before the offending line, so a caller can deliver them before giving up.
    public mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes, into events: inout [Event]) throws(ParseError) {
        for byte in bytes {
            if lastWasCR {
                lastWasCR = false
                if byte == UInt8(ascii: "\n") { continue }  // CRLF: the CR already ended the line.
            }
            switch byte {
            case UInt8(ascii: "\r"):
                lastWasCR = true
                if let event = try endLine() { events.append(event) }
            case UInt8(ascii: "\n"):
                if let event = try endLine() { events.append(event) }
            default:
                guard line.count < maxLineBytes else { throw .lineTooLong }
                line.append(byte)
            }
        }
    }

    private var sawFirstLine = false

    private mutating func endLine() throws(ParseError) -> Event? {
        defer { line.removeAll(keepingCapacity: line.count <= 1024) }
        if !sawFirstLine {
            sawFirstLine = true
            if line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
        }
        if line.isEmpty { return try dispatch() }
        if line[0] == UInt8(ascii: ":") {
            commentCount += 1
            return nil
        }
        let name: ArraySlice<UInt8>
        var value: ArraySlice<UInt8>
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            name = line[..<colon]
            value = line[(colon + 1)...]
            if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        } else {
            name = line[...]
            value = []
        }
        try process(field: name, value: value)
        return nil
    }

    private mutating func process(field: ArraySlice<UInt8>, value: ArraySlice<UInt8>) throws(ParseError) {
        switch String(decoding: field, as: UTF8.self) {
        case "event":
            typeBuffer = String(decoding: value, as: UTF8.self)
        case "data":
            // The check comes before the append, so the buffer never holds more than the limit.
            guard dataBuffer.count + (hasData ? 1 : 0) + value.count <= maxEventBytes else { throw .eventTooLarge }
            if hasData { dataBuffer.append(UInt8(ascii: "\n")) }
            dataBuffer.append(contentsOf: value)
            hasData = true
        case "id":
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        case "retry":
            if !value.isEmpty, value.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
               let milliseconds = Int(String(decoding: value, as: UTF8.self)) {
                retryMilliseconds = milliseconds
            }
        default:
            break  // Unknown fields are ignored (§9.2.6).
        }
    }

    private mutating func dispatch() throws(ParseError) -> Event? {
        defer {
            dataBuffer.removeAll(keepingCapacity: true)
            hasData = false
            typeBuffer = ""
        }
        guard hasData, !dataBuffer.isEmpty else { return nil }
        // Decoding turns each invalid UTF-8 byte into U+FFFD, three bytes (§9.2.6 decodes the stream as
        // UTF-8 with replacement), so the text can outgrow the raw bytes checked so far: check it again.
        // (Found by FuzzEventStreamParser; Tests/FuzzRegressions/FuzzEventStreamParser.)
        let data = String(decoding: dataBuffer, as: UTF8.self)
        guard data.utf8.count <= maxEventBytes else { throw .eventTooLarge }
        return Event(
            type: typeBuffer.isEmpty ? "message" : typeBuffer,
            data: data,
            lastEventID: lastEventID
        )
    }
}
