import GatewaySSE
import Testing

/// The byte API (`feed(_:onEvent:)`) against the String API and against `EventStreamReference`: the same
/// events, errors, `retry` and comment counts for every way of splitting a stream into feeds.
@Suite struct EventStreamParserByteAPITests {
    /// How the bytes are fed: the String API, the byte API, or alternating between them per feed (they share
    /// the parser's state, the last event id included).
    enum Mode: CaseIterable { case strings, bytes, mixed }

    /// What a run observed, as raw bytes when it came through the byte API.
    struct Run {
        var strings: [Texts] = []
        var raw: [EventStreamReference.RawEvent] = []
        var error: EventStreamParser.ParseError?
        var retry: Int?
        var comments = 0
    }

    static func run(_ pieces: [[UInt8]], mode: Mode, maxLineBytes: Int, maxEventBytes: Int) -> Run {
        var parser = EventStreamParser(maxLineBytes: maxLineBytes, maxEventBytes: maxEventBytes)
        var run = Run()
        do {
            for (number, piece) in pieces.enumerated() {
                if mode == .strings || (mode == .mixed && number % 2 == 0) {
                    var events: [EventStreamParser.Event] = []
                    defer { run.strings += events.map(Texts.init) }
                    try parser.feed(piece, into: &events)
                } else {
                    try piece.withUnsafeBytes { bytes in
                        try parser.feed(bytes) { event in
                            let raw = EventStreamReference.RawEvent(
                                type: Array(event.type), data: Array(event.data), lastEventID: Array(event.lastEventID))
                            run.raw.append(raw)
                            run.strings.append(Texts(raw))
                        }
                    }
                }
            }
        } catch {
            run.error = error as? EventStreamParser.ParseError  // Array.withUnsafeBytes erases the type.
        }
        run.retry = parser.retryMilliseconds
        run.comments = parser.commentCount
        return run
    }

    /// An event as Strings, whichever API it came through.
    struct Texts: Equatable, CustomStringConvertible {
        var type: String
        var data: String
        var lastEventID: String
        var description: String { "(\(type.debugDescription), \(data.debugDescription), \(lastEventID.debugDescription))" }

        init(_ event: EventStreamParser.Event) {
            (type, data, lastEventID) = (event.type, event.data, event.lastEventID)
        }

        /// The String API's reading of raw bytes: UTF-8 with replacement (§9.2.6).
        init(_ raw: EventStreamReference.RawEvent) {
            type = String(decoding: raw.type, as: UTF8.self)
            data = String(decoding: raw.data, as: UTF8.self)
            lastEventID = String(decoding: raw.lastEventID, as: UTF8.self)
        }
    }

    /// Compares a run with the reference: raw bytes exactly where the byte API gave them, decoded Strings for
    /// every event, in order.
    static func check(_ run: Run, against expected: EventStreamReference.Outcome, mode: Mode, _ note: String) {
        #expect(run.strings == expected.events.map(Texts.init), "\(mode) \(note)")
        if mode == .bytes {
            #expect(run.raw == expected.events, "\(mode) \(note)")
        }
        #expect(run.error == expected.error, "\(mode) \(note)")
        #expect(run.retry == expected.retry, "\(mode) \(note)")
        #expect(run.comments == expected.comments, "\(mode) \(note)")
    }

    /// Streams that exercise each rule; each is cut at every byte boundary and also fed a byte at a time.
    static let streams: [String] = [
        "data: a\r\ndata:b\rid: 7\n\n: hb\r\n\rdata\nevent: x\ndata: 12345678\n\nretry: 40\n\ndata: tail",
        "\u{FEFF}data: bom\n\n\u{FEFF}data: second bom is data\n\n",
        "data\n\ndata\ndata\n\ndata:\n\ndata: \n\n",
        "id: a\n\ndata: x\nid: b\u{0}c\n\ndata: y\n\nid\ndata: z\n\n",
        "event: e1\ndata: 1\n\nevent:\ndata: 2\n\nevent: e3\n\ndata: 4\n\n",
        "retry: 2500\n\nretry: x\n\nretry:\n\nretry: 99999999999999999999999\nretry: 12\r\n\r\n",
        ": comment\n:\n:: also\r\ndata: after comments\n\n",
        "data: multi\ndata: line\ndata:\ndata: data\r\n\r\n",
        "Data: no\nDATA: no\n data: no\ndat: no\ndataa: no\nid : no\ndata: yes\n\n",
        "data: line one is twenty bytes\n\ndata: ok\n\n",
        "data: 0123456789\ndata: 0123456789\ndata: 0123456789\n\n",
    ]

    @Test(arguments: streams)
    func everySplitMatchesTheReference(text: String) {
        let bytes = Array(text.utf8)
        for (maxLine, maxEvent) in [(1 << 20, Int.max), (20, 24)] {
            let expected = EventStreamReference.parse(bytes, maxLineBytes: maxLine, maxEventBytes: maxEvent)
            for mode in Mode.allCases {
                for split in 0...bytes.count {
                    let pieces = [Array(bytes[..<split]), Array(bytes[split...])]
                    Self.check(
                        Self.run(pieces, mode: mode, maxLineBytes: maxLine, maxEventBytes: maxEvent), against: expected,
                        mode: mode, "split at \(split), limits \(maxLine)/\(maxEvent)")
                }
                Self.check(
                    Self.run(bytes.map { [$0] }, mode: mode, maxLineBytes: maxLine, maxEventBytes: maxEvent),
                    against: expected, mode: mode, "byte at a time, limits \(maxLine)/\(maxEvent)")
            }
        }
    }

    /// The rules spelled out for the byte API, so a reference and parser that agree on a mistake still fail.
    @Test func byteAPIEvents() throws {
        var parser = EventStreamParser()
        var seen: [(type: String, data: String, id: String)] = []
        let stream = "\u{FEFF}id: 1\nevent: tick\ndata: a\ndata: b\n\ndata: c\nid: x\u{0}y\n\nid\ndata: d\n\ndata:\n\n"
        try Array(stream.utf8).withUnsafeBytes { bytes in
            try parser.feed(bytes) { event in
                seen.append((
                    String(decoding: event.type, as: UTF8.self), String(decoding: event.data, as: UTF8.self),
                    String(decoding: event.lastEventID, as: UTF8.self)))
            }
        }
        #expect(seen.map(\.type) == ["tick", "message", "message"])
        #expect(seen.map(\.data) == ["a\nb", "c", "d"])
        #expect(seen.map(\.id) == ["1", "1", ""])
    }

    /// Invalid UTF-8 reaches the byte API as sent; the decoded-size limit still applies to it.
    @Test func byteAPIGivesRawBytesAndKeepsTheDecodedLimit() throws {
        let stream = Array("data: ".utf8) + [UInt8](repeating: 0xE1, count: 200) + Array("\n\n".utf8)
        var data: [[UInt8]] = []
        var fits = EventStreamParser(maxEventBytes: 600)
        try stream.withUnsafeBytes { bytes in
            try fits.feed(bytes) { data.append(Array($0.data)) }
        }
        #expect(data == [[UInt8](repeating: 0xE1, count: 200)])
        var tight = EventStreamParser(maxEventBytes: 599)
        #expect(throws: EventStreamParser.ParseError.eventTooLarge) {
            try stream.withUnsafeBytes { bytes in
                try tight.feed(bytes) { _ in Issue.record("dispatched an event over the limit") }
            }
        }
    }

    /// Random streams from the tokens the rules care about, fed in random splits through each mode, against
    /// the reference. Seeded, so a failure names the seed that reproduces it.
    @Test(arguments: 0..<300)
    func randomStreamsMatchTheReference(seed: Int) {
        var random = SplitMix64(seed: UInt64(seed))
        let tokens: [[UInt8]] = [
            "data", "data:", "data: ", "event:", "event: ", "id:", "id: ", "retry:", "retry: ", ":", " ", "x", "7",
            "\r", "\n", "\r\n", "\n\n", "\r\n\r\n", "é", "dat", "ID", "\u{FEFF}", "\u{0}", "123456789012",
        ].map { Array($0.utf8) } + [[0xFF], [0xE1], [0xE1, 0x80]]
        var stream: [UInt8] = random.next() % 4 == 0 ? [0xEF, 0xBB, 0xBF] : []
        for _ in 0..<(random.next() % 80) {
            stream += tokens[Int(random.next() % UInt64(tokens.count))]
        }
        let limits = [(1 << 20, Int.max), (16, 40), (40, 12), (8, 8)][Int(random.next() % 4)]
        let expected = EventStreamReference.parse(stream, maxLineBytes: limits.0, maxEventBytes: limits.1)
        for mode in Mode.allCases {
            var pieces: [[UInt8]] = []
            var start = 0
            while start < stream.count {
                let end = min(stream.count, start + Int(random.next() % 12))
                pieces.append(Array(stream[start..<end]))
                start = end
            }
            Self.check(
                Self.run(pieces, mode: mode, maxLineBytes: limits.0, maxEventBytes: limits.1), against: expected,
                mode: mode, "seed \(seed)")
        }
    }
}

/// A small seeded generator (SplitMix64), so random tests reproduce.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
