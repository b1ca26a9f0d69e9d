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
        // Contiguous bytes (a ByteBuffer's view, a raw buffer, an array) are scanned for line breaks with
        // memchr and their lines handled in place. Why: this generic walked them one byte at a time through
        // the Sequence witness (not specialised across modules), and copied every byte into `line` first;
        // an upstream origin's stream and the load client's 5,000 streams all come through here.
        var failure: ParseError?
        let contiguous: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            do throws(ParseError) {
                try feedContiguous(UnsafeRawBufferPointer(buffer), into: &events)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        if contiguous != nil { return }
        for byte in bytes {
            if lastWasCR {
                lastWasCR = false
                if byte == UInt8(ascii: "\n") { continue }  // CRLF: the CR already ended the line.
            }
            switch byte {
            case UInt8(ascii: "\r"):
                lastWasCR = true
                if let event = try endCarriedLine() { events.append(event) }
            case UInt8(ascii: "\n"):
                if let event = try endCarriedLine() { events.append(event) }
            default:
                guard line.count < maxLineBytes else { throw .lineTooLong }
                line.append(byte)
            }
        }
    }

    private mutating func feedContiguous(_ bytes: UnsafeRawBufferPointer, into events: inout [Event]) throws(ParseError) {
        var start = 0
        while start < bytes.count {
            if lastWasCR {
                lastWasCR = false
                if bytes[start] == UInt8(ascii: "\n") {  // CRLF: the CR already ended the line.
                    start += 1
                    continue
                }
            }
            guard let end = ByteScan.firstLineBreak(in: bytes, from: start) else {
                try appendToLine(UnsafeRawBufferPointer(rebasing: bytes[start...]))
                return
            }
            lastWasCR = bytes[end] == UInt8(ascii: "\r")
            let piece = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            let event: Event?
            if line.isEmpty {
                guard piece.count <= maxLineBytes else { throw .lineTooLong }
                event = try endLine(piece)
            } else {
                try appendToLine(piece)
                event = try endCarriedLine()
            }
            if let event { events.append(event) }
            start = end + 1
        }
    }

    /// Adds part of a line that continues in a later feed. The limit is the one the byte loop checks: a line
    /// may hold `maxLineBytes` bytes, and the next one is an error.
    private mutating func appendToLine(_ bytes: UnsafeRawBufferPointer) throws(ParseError) {
        guard line.count + bytes.count <= maxLineBytes else { throw .lineTooLong }
        line.append(contentsOf: bytes)
    }

    private var sawFirstLine = false

    /// Ends the line collected in `line` (it spanned feeds, or came through the byte loop).
    private mutating func endCarriedLine() throws(ParseError) -> Event? {
        var carried: [UInt8] = []
        swap(&carried, &line)
        defer {
            carried.removeAll(keepingCapacity: carried.count <= 1024)
            line = carried
        }
        let result = carried.withUnsafeBytes { bytes in
            Result { () throws(ParseError) -> Event? in try endLine(bytes) }
        }
        return try result.get()
    }

    /// Handles one complete line (without its line break), wherever its bytes are.
    private mutating func endLine(_ bytes: UnsafeRawBufferPointer) throws(ParseError) -> Event? {
        var text = bytes
        if !sawFirstLine {
            sawFirstLine = true
            if text.starts(with: [0xEF, 0xBB, 0xBF]) { text = UnsafeRawBufferPointer(rebasing: text[3...]) }
        }
        if text.isEmpty { return try dispatch() }
        if text[0] == UInt8(ascii: ":") {
            commentCount += 1
            return nil
        }
        let name: UnsafeRawBufferPointer
        var value: UnsafeRawBufferPointer
        if let colon = text.firstIndex(of: UInt8(ascii: ":")) {
            name = UnsafeRawBufferPointer(rebasing: text[..<colon])
            value = UnsafeRawBufferPointer(rebasing: text[(colon + 1)...])
            if value.first == UInt8(ascii: " ") { value = UnsafeRawBufferPointer(rebasing: value.dropFirst()) }
        } else {
            name = text
            value = UnsafeRawBufferPointer(start: nil, count: 0)
        }
        try process(field: name, value: value)
        return nil
    }

    private mutating func process(field: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(ParseError) {
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
