/// An incremental WHATWG `text/event-stream` parser (HTML §9.2.6, "Interpreting an event stream").
///
/// Feed it bytes as they arrive, in any split; it returns the events dispatched so far. Used for upstream
/// origins and by tests to read what clients received. One parser, two ways out: the byte API
/// (`feed(_:onEvent:)`, used by the load client) hands each event over as views of its buffers, and the
/// String API (`feed(_:)`, `feed(_:into:)`) is a layer over it that decodes them into `Event`s.
///
/// Follows the spec's rules exactly: a leading BOM is skipped, lines end at CRLF, CR or LF, comments are
/// ignored, an `id` containing NUL is ignored, an event with an empty data buffer is not dispatched, and an
/// incomplete event at end of stream is discarded.
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
    /// The `event` field's value for the event being built; empty means `message`.
    private var typeBuffer: [UInt8] = []
    /// Kept as bytes, and made a String only when the String API dispatches an event (see `lastEventIDText`).
    private var lastEventID: [UInt8] = []
    /// Bumped whenever `lastEventID` is set.
    private var lastEventIDVersion: UInt64 = 0
    /// The String API's decoding of `lastEventID` and the version it was made from: an id persists across
    /// events, so its String is made once per new id, as it was when the id was stored as a String.
    private var lastEventIDText: (version: UInt64, text: String) = (0, "")

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
    ///
    /// A layer over the byte parser (`feed(_:onEvent:)`), so there is one parser: each event's bytes are
    /// decoded here, as UTF-8 with replacement (§9.2.6).
    public mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes, into events: inout [Event]) throws(ParseError) {
        // The cache is moved out and back: the callback runs while `self` is being mutated by the feed.
        var lastID = lastEventIDText
        defer { lastEventIDText = lastID }
        try feedSequence(bytes) { event in
            if lastID.version != event.lastEventIDVersion {
                lastID = (event.lastEventIDVersion, String(decoding: event.lastEventID, as: UTF8.self))
            }
            events.append(
                Event(
                    type: String(decoding: event.type, as: UTF8.self),
                    data: String(decoding: event.data, as: UTF8.self),
                    lastEventID: lastID.text))
        }
    }

    /// Parses more bytes and calls `onEvent` with each event they complete, in order, as a view of the
    /// parser's buffers valid only during that call (no String or array per event). Same rules, limits and
    /// errors as the String API; on a throw, `onEvent` has seen the events completed before the offending
    /// line.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, onEvent: (EventBytes) -> Void) throws(ParseError) {
        try feedContiguous(bytes, onEvent: onEvent)
    }

    private mutating func feedSequence<Bytes: Sequence<UInt8>>(
        _ bytes: Bytes, onEvent: (EventBytes) -> Void
    ) throws(ParseError) {
        // Contiguous bytes (a ByteBuffer's view, a raw buffer, an array) are scanned for line breaks with
        // memchr and their lines handled in place. Why: this generic walked them one byte at a time through
        // the Sequence witness (not specialised across modules), and copied every byte into `line` first;
        // an upstream origin's stream and the load client's 5,000 streams all come through here.
        var failure: ParseError?
        let contiguous: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            do throws(ParseError) {
                try feedContiguous(UnsafeRawBufferPointer(buffer), onEvent: onEvent)
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
                try endCarriedLine(onEvent: onEvent)
            case UInt8(ascii: "\n"):
                try endCarriedLine(onEvent: onEvent)
            default:
                guard line.count < maxLineBytes else { throw .lineTooLong }
                line.append(byte)
            }
        }
    }

    private mutating func feedContiguous(
        _ bytes: UnsafeRawBufferPointer, onEvent: (EventBytes) -> Void
    ) throws(ParseError) {
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
            if line.isEmpty {
                guard piece.count <= maxLineBytes else { throw .lineTooLong }
                try endLine(piece, onEvent: onEvent)
            } else {
                try appendToLine(piece)
                try endCarriedLine(onEvent: onEvent)
            }
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
    private mutating func endCarriedLine(onEvent: (EventBytes) -> Void) throws(ParseError) {
        var carried: [UInt8] = []
        swap(&carried, &line)
        defer {
            carried.removeAll(keepingCapacity: carried.count <= 1024)
            line = carried
        }
        let result = carried.withUnsafeBytes { bytes in
            Result { () throws(ParseError) in try endLine(bytes, onEvent: onEvent) }
        }
        try result.get()
    }

    /// Handles one complete line (without its line break), wherever its bytes are.
    private mutating func endLine(_ bytes: UnsafeRawBufferPointer, onEvent: (EventBytes) -> Void) throws(ParseError) {
        var text = bytes
        if !sawFirstLine {
            sawFirstLine = true
            if text.starts(with: [0xEF, 0xBB, 0xBF]) { text = UnsafeRawBufferPointer(rebasing: text[3...]) }
        }
        if text.isEmpty { return try dispatch(onEvent) }
        if text[0] == UInt8(ascii: ":") {
            commentCount += 1
            return
        }
        let name: UnsafeRawBufferPointer
        var value: UnsafeRawBufferPointer
        if let colon = ByteScan.firstIndex(of: UInt8(ascii: ":"), in: text) {
            name = UnsafeRawBufferPointer(rebasing: text[..<colon])
            value = UnsafeRawBufferPointer(rebasing: text[(colon + 1)...])
            if value.first == UInt8(ascii: " ") { value = UnsafeRawBufferPointer(rebasing: value.dropFirst()) }
        } else {
            name = text
            value = UnsafeRawBufferPointer(start: nil, count: 0)
        }
        try process(field: name, value: value)
    }

    private mutating func process(field: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(ParseError) {
        switch EventStreamField(field) {
        case .data:
            // The check comes before the append, so the buffer never holds more than the limit.
            guard dataBuffer.count + (hasData ? 1 : 0) + value.count <= maxEventBytes else { throw .eventTooLarge }
            if hasData { dataBuffer.append(UInt8(ascii: "\n")) }
            dataBuffer.append(contentsOf: value)
            hasData = true
        case .event:
            typeBuffer.removeAll(keepingCapacity: true)
            typeBuffer.append(contentsOf: value)
        case .id:
            if !ByteScan.contains(0, in: value) {
                lastEventID.removeAll(keepingCapacity: true)
                lastEventID.append(contentsOf: value)
                lastEventIDVersion &+= 1
            }
        case .retry:
            if !value.isEmpty, value.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
               let milliseconds = Int(String(decoding: value, as: UTF8.self)) {
                retryMilliseconds = milliseconds
            }
        case nil:
            break  // Unknown fields are ignored (§9.2.6).
        }
    }

    private mutating func dispatch(_ onEvent: (EventBytes) -> Void) throws(ParseError) {
        defer {
            dataBuffer.removeAll(keepingCapacity: true)
            hasData = false
            typeBuffer.removeAll(keepingCapacity: true)
        }
        guard hasData, !dataBuffer.isEmpty else { return }
        // Decoding turns each invalid UTF-8 byte into U+FFFD, three bytes (§9.2.6 decodes the stream as
        // UTF-8 with replacement), so the text can outgrow the raw bytes checked so far: check it again.
        // (Found by FuzzEventStreamParser; Tests/FuzzRegressions/FuzzEventStreamParser.) A byte decodes to
        // at most three, so data within a third of the limit cannot outgrow it and is not decoded here
        // (always so without a limit, as in the load client).
        if dataBuffer.count > maxEventBytes / 3 {
            guard String(decoding: dataBuffer, as: UTF8.self).utf8.count <= maxEventBytes else { throw .eventTooLarge }
        }
        dataBuffer.withUnsafeBytes { data in
            typeBuffer.withUnsafeBytes { type in
                lastEventID.withUnsafeBytes { id in
                    onEvent(
                        EventBytes(
                            data: data,
                            type: type.isEmpty ? EventBytes.defaultType : type,
                            lastEventID: id,
                            lastEventIDVersion: lastEventIDVersion))
                }
            }
        }
    }
}
