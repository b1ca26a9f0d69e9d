import Foundation
import GatewaySSE
import Testing

/// Inputs libFuzzer found (Fuzz/, scripts/fuzz.sh), replayed with the harness's own checks. Each file in
/// Tests/FuzzRegressions/<harness>/ is one input, named after what it exposed.
@Suite struct FuzzRegressionTests {
    static func inputs(_ harness: String) -> [String] {
        let directory = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FuzzRegressions/\(harness)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().map { directory.appendingPathComponent($0).path }
    }

    @Test func regressionInputsArePresent() {
        #expect(!Self.inputs("FuzzEventStreamParser").isEmpty)
    }

    /// FuzzEventStreamParser: byte 0 is the harness's chunk size, the rest the stream; limits 256/512.
    @Test(arguments: inputs("FuzzEventStreamParser"))
    func eventStreamParser(_ path: String) throws {
        let input = try #require(FileManager.default.contents(atPath: path))
        let stream = Array(input.dropFirst())
        var parser = EventStreamParser(maxLineBytes: 256, maxEventBytes: 512)
        var events: [EventStreamParser.Event] = []
        _ = try? parser.feed(stream, into: &events)
        for event in events {
            #expect(event.data.utf8.count <= 512)
        }
    }

    /// The first finding, reduced: invalid UTF-8 decodes to U+FFFD (3 bytes each), so 200 raw bytes
    /// become 600 bytes of text. The raw-byte check alone let that through.
    @Test func replacementCharactersCountAgainstTheLimit() throws {
        var parser = EventStreamParser(maxEventBytes: 512)
        let stream = Array("data: ".utf8) + [UInt8](repeating: 0xE1, count: 200) + Array("\n\n".utf8)
        #expect(throws: EventStreamParser.ParseError.eventTooLarge) { try parser.feed(stream) }
        var fits = EventStreamParser(maxEventBytes: 600)
        #expect(try fits.feed(stream).map(\.data.utf8.count) == [600])
    }
}
