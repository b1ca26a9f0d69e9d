import GatewaySSE
import NIOCore
import Testing

@Suite struct EventStreamEncoderTests {
    private func wire(_ event: ServerSentEvent, id: String? = nil) -> String {
        String(buffer: EventStreamEncoder.encode(event, id: id))
    }

    @Test(arguments: [
        ("hello", "data: hello\n\n"),
        ("a\nb", "data: a\ndata: b\n\n"),
        ("a\r\nb", "data: a\ndata: b\n\n"),
        ("a\rb", "data: a\ndata: b\n\n"),
        ("a\n\nb", "data: a\ndata: \ndata: b\n\n"),
        ("trailing\n", "data: trailing\ndata: \n\n"),
        ("ünïcødé ✓", "data: ünïcødé ✓\n\n"),
        // memchr scanning: a CR after an LF, a CR right before the end, and mixed breaks in a long line.
        ("a\nb\rc", "data: a\ndata: b\ndata: c\n\n"),
        ("x\r", "data: x\ndata: \n\n"),
        (String(repeating: "y", count: 5000) + "\r\n\r" + "z", "data: " + String(repeating: "y", count: 5000) + "\ndata: \ndata: z\n\n"),
    ])
    func dataIsSplitIntoLines(data: String, expected: String) throws {
        #expect(wire(try ServerSentEvent(data: data)) == expected)
    }

    @Test func allFieldsInOrder() throws {
        let event = try ServerSentEvent(type: "price", data: "42", retryMilliseconds: 1500)
        #expect(wire(event, id: "k1-2") == "id: k1-2\nevent: price\nretry: 1500\ndata: 42\n\n")
    }

    @Test(arguments: ["a\nb", "a\rb", "a\0b", ""])
    func badEventTypesAreRefused(type: String) {
        #expect(throws: ServerSentEventError.self) { try ServerSentEvent(type: type, data: "x") }
    }

    @Test func emptyDataIsRefused() {
        #expect(throws: ServerSentEventError.emptyData) { try ServerSentEvent(data: "") }
    }

    @Test func nulInDataIsRefusedWherever() {
        #expect(throws: ServerSentEventError.nulInData) { try ServerSentEvent(data: "a\0b") }
        #expect(throws: ServerSentEventError.nulInData) { try ServerSentEvent(data: String(repeating: "x", count: 100_000) + "\0") }
        #expect(throws: ServerSentEventError.nulInData) { try ServerSentEvent(data: "\0") }
    }

    @Test func commentAndRetryBlocks() {
        #expect(String(buffer: EventStreamEncoder.comment("hb")) == ":hb\n\n")
        #expect(String(buffer: EventStreamEncoder.comment("a\nb")) == ":ab\n\n")
        #expect(String(buffer: EventStreamEncoder.retry(milliseconds: 3000)) == "retry: 3000\n\n")
    }

    /// What the encoder writes, the WHATWG parser reads back unchanged, in any split.
    @Test func roundTripThroughParser() throws {
        let samples = ["x", "multi\nline\r\ndata\rhere", "  leading spaces", ":colon first", "tab\there"]
        var bytes: [UInt8] = []
        for (index, data) in samples.enumerated() {
            bytes += Array(EventStreamEncoder.encode(try ServerSentEvent(type: "t\(index)", data: data), id: "id\(index)").readableBytesView)
        }
        for split in [1, 2, 3, 7, bytes.count] {
            var parser = EventStreamParser()
            var events: [EventStreamParser.Event] = []
            var index = 0
            while index < bytes.count {
                events += try parser.feed(bytes[index..<min(index + split, bytes.count)])
                index += split
            }
            let expectedData = samples.map { $0.replacingCRLF() }
            #expect(events.map(\.data) == expectedData)
            #expect(events.map(\.type) == samples.indices.map { "t\($0)" })
            #expect(events.map(\.lastEventID) == samples.indices.map { "id\($0)" })
        }
    }
}

extension String {
    /// Line breaks as a browser reports them in `event.data`: every CRLF/CR/LF becomes LF.
    fileprivate func replacingCRLF() -> String {
        var result = ""
        var previousCR = false
        for scalar in unicodeScalars {
            if scalar == "\r" { result += "\n"; previousCR = true; continue }
            if scalar == "\n" && previousCR { previousCR = false; continue }
            previousCR = false
            result.unicodeScalars.append(scalar)
        }
        return result
    }
}
