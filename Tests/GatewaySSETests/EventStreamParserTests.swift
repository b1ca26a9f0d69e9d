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
