import NIOCore
import NIOEmbedded
import GatewayTestSupport
import Testing

@testable import GatewayRedis

/// The decoder alone, fed bytes in memory: every type, every split point, and the limits.
struct RESPDecoderTests {
    static func bulk(_ text: String) -> RESPValue { .bulkString(ByteBuffer(string: text)) }

    static let cases: [(wire: String, value: RESPValue)] = [
        ("+OK\r\n", .simpleString("OK")),
        ("-ERR unknown command 'FOO'\r\n", .error(RedisServerError(message: "ERR unknown command 'FOO'"))),
        (":-42\r\n", .integer(-42)),
        ("$5\r\nhello\r\n", bulk("hello")),
        ("$0\r\n\r\n", bulk("")),
        ("$4\r\na\r\nb\r\n", bulk("a\r\nb")),
        ("$-1\r\n", .null),
        ("*-1\r\n", .null),
        ("_\r\n", .null),
        ("*0\r\n", .array([])),
        ("*2\r\n:1\r\n*1\r\n$1\r\nx\r\n", .array([.integer(1), .array([bulk("x")])])),
        ("%1\r\n+key\r\n:7\r\n", .map([RESPValue.Pair(key: .simpleString("key"), value: .integer(7))])),
        ("~2\r\n+a\r\n+b\r\n", .set([.simpleString("a"), .simpleString("b")])),
        (">2\r\n+invalidate\r\n_\r\n", .push([.simpleString("invalidate"), .null])),
        (",3.25\r\n", .double(3.25)),
        (",-inf\r\n", .double(-.infinity)),
        ("#t\r\n", .boolean(true)),
        ("#f\r\n", .boolean(false)),
        ("!9\r\nERR oops!\r\n", .error(RedisServerError(message: "ERR oops!"))),
        ("=9\r\ntxt:hello\r\n", .verbatimString(format: "txt", text: ByteBuffer(string: "hello"))),
        ("(3492890328409238509324850943850943825024385\r\n", .bigNumber("3492890328409238509324850943850943825024385")),
        // An attribute annotates the value after it and is dropped, at the top and inside an aggregate.
        ("|1\r\n+ttl\r\n:3\r\n:9\r\n", .integer(9)),
        ("*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n", .array([.integer(1), .integer(2)])),
    ]

    private static func decodeAll(_ wire: String, limits: RESPDecoder.Limits = RESPDecoder.Limits()) throws -> [RESPValue] {
        var decoder = RESPDecoder(limits: limits)
        var buffer = ByteBuffer(string: wire)
        var values: [RESPValue] = []
        while let value = try decoder.decode(buffer: &buffer) { values.append(value) }
        return values
    }

    @Test(arguments: 0..<cases.count) func decodesEveryType(_ index: Int) throws {
        let (wire, value) = Self.cases[index]
        #expect(try Self.decodeAll(wire) == [value])
    }

    /// Each case, delivered one byte per read, gives the same value (and nothing before its last byte).
    @Test(arguments: 0..<cases.count) func decodesWhenSplitAtEveryByte(_ index: Int) throws {
        let (wire, value) = Self.cases[index]
        var decoder = RESPDecoder()
        var buffer = ByteBuffer()
        var decoded: [RESPValue] = []
        for (offset, byte) in wire.utf8.enumerated() {
            buffer.writeInteger(byte)
            while let value = try decoder.decode(buffer: &buffer) { decoded.append(value) }
            if offset < wire.utf8.count - 1 { #expect(decoded.isEmpty, "value before the last byte at \(offset)") }
        }
        #expect(decoded == [value])
        #expect(buffer.readableBytes == 0)
    }

    @Test func decodesManyRepliesFromOneRead() throws {
        let wire = Self.cases.map(\.wire).joined()
        #expect(try Self.decodeAll(wire) == Self.cases.map(\.value))
    }

    @Test func bulkPayloadsAreBinarySafe() throws {
        var buffer = ByteBuffer(string: "$4\r\n")
        buffer.writeBytes([0, 255, 13, 10])
        buffer.writeStaticString("\r\n")
        var decoder = RESPDecoder()
        #expect(try decoder.decode(buffer: &buffer) == .bulkString(ByteBuffer(bytes: [0, 255, 13, 10])))
    }

    @Test func throughByteToMessageHandlerInAnEmbeddedChannel() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPDecoder()))
        try channel.writeInbound(ByteBuffer(string: "*2\r\n$3\r\nfoo\r\n$3\r"))
        #expect(try channel.readInbound(as: RESPValue.self) == nil)
        try channel.writeInbound(ByteBuffer(string: "\nbar\r\n:1\r\n"))
        #expect(try channel.readInbound(as: RESPValue.self) == .array([Self.bulk("foo"), Self.bulk("bar")]))
        #expect(try channel.readInbound(as: RESPValue.self) == .integer(1))
        #expect(try channel.finish().isClean)
    }

    // MARK: Limits and broken input

    static let refused: [(wire: String, error: RESPDecodingError)] = [
        ("$1048577\r\n", .bulkTooLong(length: 1_048_577, limit: 1_048_576)),
        ("!99999999999\r\n", .bulkTooLong(length: 99_999_999_999, limit: 1_048_576)),
        ("*1001\r\n", .aggregateTooLong(count: 1001, limit: 1000)),
        ("*9223372036854775807\r\n", .invalidLength),  // 19 digits: longer than any count we could accept
        ("*-2\r\n", .invalidLength),
        ("$abc\r\n", .invalidLength),
        ("%-1\r\n", .invalidLength),
        ("?what\r\n", .unknownType(UInt8(ascii: "?"))),
        (":12x\r\n", .invalidNumber),
        (",one\r\n", .invalidNumber),
        ("#x\r\n", .invalidBoolean),
        ("_x\r\n", .malformedLine),
        ("+a\rb\r\n", .malformedLine),
        ("$3\r\nabcd\r\n", .missingTerminator),
        ("=2\r\nab\r\n", .invalidVerbatimString),
        ("(12a\r\n", .invalidNumber),
        ("+" + String(repeating: "x", count: 100) + "\r\n", .lineTooLong(limit: 64)),
        ("+" + String(repeating: "x", count: 100), .lineTooLong(limit: 64)),
        (String(repeating: "*1\r\n", count: 9) + ":1\r\n", .nestingTooDeep(limit: 8)),
    ]

    static let smallLimits = RESPDecoder.Limits(maximumBulkLength: 1_048_576, maximumAggregateLength: 1000, maximumDepth: 8, maximumLineLength: 64)

    @Test(arguments: 0..<refused.count) func refusesWithATypedError(_ index: Int) {
        let (wire, expected) = Self.refused[index]
        #expect(throws: expected) { try Self.decodeAll(wire, limits: Self.smallLimits) }
    }

    @Test func mapCountsPairsAgainstTheAggregateLimit() {
        #expect(throws: RESPDecodingError.aggregateTooLong(count: 1001, limit: 1000)) {
            try Self.decodeAll("%1001\r\n", limits: Self.smallLimits)
        }
    }

    /// Nesting cannot multiply the per-aggregate limit: the counts of one reply are summed.
    @Test func elementsAndBytesAreBoundedPerReply() throws {
        #expect(throws: RESPDecodingError.tooManyElements(limit: 1500)) {
            let limits = RESPDecoder.Limits(maximumAggregateLength: 1000, maximumReplyElements: 1500)
            return try Self.decodeAll("*2\r\n*1000\r\n" + String(repeating: ":1\r\n", count: 1000) + "*1000\r\n", limits: limits)
        }
        let limits = RESPDecoder.Limits(maximumReplyBytes: 100)
        #expect(throws: RESPDecodingError.replyTooLarge(limit: 100)) {
            try Self.decodeAll("*3\r\n$40\r\n" + String(repeating: "x", count: 40) + "\r\n$60\r\n", limits: limits)
        }
        #expect(throws: RESPDecodingError.replyTooLarge(limit: 100)) {
            try Self.decodeAll("*100\r\n" + String(repeating: ":1\r\n", count: 30), limits: limits)
        }
        // The sums start again with each reply.
        let reply = "*2\r\n$40\r\n" + String(repeating: "x", count: 40) + "\r\n:1\r\n"
        #expect(try Self.decodeAll(reply + reply + reply, limits: limits).count == 3)
    }

    @Test func nestingUpToTheLimitDecodes() throws {
        let wire = String(repeating: "*1\r\n", count: 8) + ":1\r\n"
        var expected = RESPValue.integer(1)
        for _ in 0..<8 { expected = .array([expected]) }
        #expect(try Self.decodeAll(wire, limits: Self.smallLimits) == [expected])
    }

    /// A huge announced count within the limit allocates nothing up front: it just waits for elements.
    @Test func announcedCountsDoNotAllocate() throws {
        var decoder = RESPDecoder(limits: RESPDecoder.Limits(maximumAggregateLength: Int(Int32.max), maximumReplyElements: Int(Int32.max)))
        var buffer = ByteBuffer(string: "*2147483647\r\n:1\r\n:2\r\n")
        #expect(try decoder.decode(buffer: &buffer) == nil)
        #expect(buffer.readableBytes == 0)
    }

    /// Every proper prefix of a valid stream is "incomplete", never an error.
    @Test func truncatedInputWaits() throws {
        let wire = Array(Self.cases.map(\.wire).joined().utf8)
        for length in 0..<wire.count {
            var decoder = RESPDecoder()
            var buffer = ByteBuffer(bytes: wire[0..<length])
            var count = 0
            while try decoder.decode(buffer: &buffer) != nil { count += 1 }
            #expect(count < Self.cases.count)
        }
    }

    /// Random bytes and random mutations of valid replies: each run ends in values, "incomplete" or a
    /// `RESPDecodingError`, never a crash, a hang or another error.
    @Test func randomAndMutatedInputGivesOnlyTypedErrors() {
        var generator = SplitMix64(seed: 0x5EED)
        let valid = Array(Self.cases.map(\.wire).joined().utf8)
        let alphabet = Array("*$%~>|+-:_,#!=(\r\n0123456789-abc".utf8)
        for round in 0..<3000 {
            var bytes: [UInt8]
            switch round % 3 {
            case 0:
                bytes = (0..<Int(generator.next() % 64)).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            case 1:
                bytes = (0..<Int(generator.next() % 64)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            default:
                bytes = valid
                for _ in 0..<4 { bytes[Int(generator.next() % UInt64(bytes.count))] = alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            }
            var decoder = RESPDecoder(limits: Self.smallLimits)
            var buffer = ByteBuffer(bytes: bytes)
            do {
                var decoded = 0
                while try decoder.decode(buffer: &buffer) != nil { decoded += 1 }
                #expect(decoded <= bytes.count)
            } catch {
                #expect(error is RESPDecodingError, "round \(round): \(error)")
            }
        }
    }
}
