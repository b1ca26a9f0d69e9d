import GatewaySSE
import Testing

@Suite struct EventStreamParserTests {
    private func parse(_ text: String) throws -> [EventStreamParser.Event] {
        var parser = EventStreamParser()
        return try parser.feed(Array(text.utf8))
    }

    @Test func specExamples() throws {
        // WHATWG HTML §9.2.6 examples.
        let events = try parse("data: YHOO\ndata: +2\ndata: 10\n\n")
        #expect(events.map(\.data) == ["YHOO\n+2\n10"])
        let second = try parse(": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n")
        #expect(second.map(\.data) == ["first event", "second event", " third event"])
        #expect(second.map(\.lastEventID) == ["1", "", ""])
        let third = try parse("data\n\ndata\ndata\n\ndata:")
        #expect(third.map(\.data) == ["\n"])
    }

    @Test func bomIsSkippedAndIncompleteEventDropped() throws {
        #expect(try parse("\u{FEFF}data: a\n\ndata: b").map(\.data) == ["a"])
    }

    @Test func crAtChunkBoundaryFollowedByLF() throws {
        var parser = EventStreamParser()
        var events = try parser.feed(Array("data: a\r".utf8))
        events += try parser.feed(Array("\n\r\n".utf8))
        #expect(events.map(\.data) == ["a"])
    }

    @Test func retryAndCommentsAreTracked() throws {
        var parser = EventStreamParser()
        _ = try parser.feed(Array(":hb\n\nretry: 2500\n\nretry: x\n\n".utf8))
        #expect(parser.retryMilliseconds == 2500)
        #expect(parser.commentCount == 1)
    }

    @Test func idWithNulIsIgnored() throws {
        #expect(try parse("id: a\n\ndata: x\nid: b\u{0}c\n\n").map(\.lastEventID) == ["a"])
    }

    /// Everything a feed can observe, for comparing two ways of feeding the same bytes.
    private struct Outcome: Equatable {
        var events: [EventStreamParser.Event] = []
        var error: EventStreamParser.ParseError?
        var retry: Int?
        var comments = 0
    }

    /// Feeds `pieces` in order, either as contiguous arrays (scanned in place) or as a sequence without
    /// contiguous storage (the byte-by-byte loop), stopping at the first error.
    private func outcome(_ pieces: [[UInt8]], contiguous: Bool, maxLineBytes: Int) -> Outcome {
        var parser = EventStreamParser(maxLineBytes: maxLineBytes)
        var outcome = Outcome()
        do {
            for piece in pieces {
                if contiguous {
                    try parser.feed(piece, into: &outcome.events)
                } else {
                    try parser.feed(piece.lazy.map { $0 }, into: &outcome.events)
                }
            }
        } catch {
            outcome.error = error
        }
        outcome.retry = parser.retryMilliseconds
        outcome.comments = parser.commentCount
        return outcome
    }

    /// The in-place scan of contiguous bytes and the byte loop agree on every split of a stream that has a
    /// BOM, CR, LF and CRLF endings (a CRLF split across feeds too), comments, fields without a colon,
    /// `retry`, and lines exactly at and one over the line limit.
    @Test(arguments: [
        "\u{FEFF}data: a\r\ndata:b\rid: 7\n\n: hb\r\n\rdata\nevent: x\ndata: 12345678\n\nretry: 40\n\ndata: tail",
        "data: 12345678\r\n\r\ndata: 123456789\n\n",
        "\u{FEFF}\u{FEFF}data: 1\n\n:\n\ndata:\n\ndata: z\n\n",
    ])
    func inPlaceScanMatchesTheByteLoop(text: String) {
        let bytes = Array(text.utf8)
        let whole = outcome([bytes], contiguous: false, maxLineBytes: 14)
        #expect(!whole.events.isEmpty)
        for split in 0...bytes.count {
            let pieces = [Array(bytes[..<split]), Array(bytes[split...])]
            #expect(outcome(pieces, contiguous: true, maxLineBytes: 14) == whole, "split at \(split)")
            #expect(outcome(pieces, contiguous: false, maxLineBytes: 14) == whole, "split at \(split)")
        }
        #expect(outcome(bytes.map { [$0] }, contiguous: true, maxLineBytes: 14) == whole)
    }

    @Test func overlongLineIsAnError() {
        var parser = EventStreamParser(maxLineBytes: 8)
        #expect(throws: EventStreamParser.ParseError.lineTooLong) { try parser.feed(Array("data: 123456789\n".utf8)) }
    }
}

@Suite struct EventCursorTests {
    @Test func roundTrip() {
        let cursor = EventCursor(epoch: 1_700_000_000, sequence: 123_456)
        #expect(EventCursor(Substring(cursor.description)) == cursor)
    }

    @Test(arguments: ["", "-", "abc", "1-", "-1", "1-2-3", "1-+2", "zzzzzzzzzzzzzzzz-1", "1_2"])
    func malformedIsNil(text: String) {
        #expect(EventCursor(Substring(text)) == nil)
    }

    @Test func ordering() {
        #expect(EventCursor(epoch: 1, sequence: 9) < EventCursor(epoch: 2, sequence: 0))
        #expect(EventCursor(epoch: 2, sequence: 1) < EventCursor(epoch: 2, sequence: 2))
    }
}

/// `maxEventBytes` (issue 11 item 8): enforced while `data:` lines accumulate, not at dispatch.
@Suite struct EventStreamParserLimitTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var input: String
        var maxEventBytes: Int
        var events: [String]
        var error: EventStreamParser.ParseError?
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "exactly at the limit", input: "data: 12345\ndata: 678\n\n", maxEventBytes: 9, events: ["12345\n678"]),
        Row(name: "one byte over, counting the joining newline", input: "data: 12345\ndata: 6789\n\n", maxEventBytes: 9,
            events: [], error: .eventTooLarge),
        Row(name: "no blank line ever: refused while accumulating", input: String(repeating: "data: 1234\n", count: 10),
            maxEventBytes: 32, events: [], error: .eventTooLarge),
        Row(name: "events before the oversized one are kept", input: "data: a\n\ndata: b\n\ndata: 0123456789\n\n",
            maxEventBytes: 4, events: ["a", "b"], error: .eventTooLarge),
        Row(name: "the limit is per event", input: String(repeating: "data: 1234\n\n", count: 10), maxEventBytes: 4,
            events: Array(repeating: "1234", count: 10)),
        Row(name: "comments and other fields do not count", input: ": \(String(repeating: "c", count: 50))\nevent: e\nid: 7\ndata: ok\n\n",
            maxEventBytes: 2, events: ["ok"]),
    ]

    @Test(arguments: rows)
    func limit(_ row: Row) {
        var parser = EventStreamParser(maxLineBytes: 1024, maxEventBytes: row.maxEventBytes)
        var events: [EventStreamParser.Event] = []
        var thrown: EventStreamParser.ParseError?
        do {
            try parser.feed(Array(row.input.utf8), into: &events)
        } catch {
            thrown = error
        }
        #expect(events.map(\.data) == row.events)
        #expect(thrown == row.error)
    }

    /// Memory stays bounded byte by byte: the error comes on the line that would cross the limit.
    @Test func errorOnTheLineThatCrossesTheLimit() throws {
        var parser = EventStreamParser(maxLineBytes: 64, maxEventBytes: 10)
        _ = try parser.feed(Array("data: 12345\n".utf8))
        _ = try parser.feed(Array("data: 12345".utf8))  // 5 + newline + 5 = 11 once the line ends
        #expect(throws: EventStreamParser.ParseError.eventTooLarge) { try parser.feed(Array("\n".utf8)) }
    }

    @Test func errorsDescribeThemselves() {
        #expect(EventStreamParser.ParseError.eventTooLarge != .lineTooLong)
        #expect(EventStreamParser.ParseError.eventTooLarge.description.contains("event"))
    }
}
