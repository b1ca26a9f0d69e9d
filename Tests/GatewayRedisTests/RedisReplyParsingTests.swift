import NIOCore
import Testing

@testable import GatewayRedis

/// Typed readings of replies, for both shapes a server may use (RESP3 maps, RESP2 flat arrays).
struct RedisReplyParsingTests {
    private static func bulk(_ text: String) -> RESPValue { .bulkString(ByteBuffer(string: text)) }
    private static let entry = RESPValue.array([bulk("1700000000000-3"), .array([bulk("data"), bulk("hi"), bulk("id"), bulk("7")])])

    @Test func streamIDsParseOrderAndPrint() {
        #expect(RedisStreamID("1700000000000-3") == RedisStreamID(milliseconds: 1_700_000_000_000, sequence: 3))
        #expect(RedisStreamID("42") == RedisStreamID(milliseconds: 42, sequence: 0))
        #expect(RedisStreamID("1-") == nil && RedisStreamID("-1") == nil && RedisStreamID("a-b") == nil && RedisStreamID("$") == nil)
        #expect(RedisStreamID("2-0")! > RedisStreamID("1-99")!)
        #expect(RedisStreamID.zero.description == "0-0")
    }

    @Test func streamEntryFieldsInOrder() throws {
        let parsed = try RedisStreamEntry(Self.entry)
        #expect(parsed.id == RedisStreamID(milliseconds: 1_700_000_000_000, sequence: 3))
        #expect(parsed.fields.map(\.name) == ["data", "id"])
        #expect(parsed["id"] == ByteBuffer(string: "7"))
        #expect(parsed["missing"] == nil)
        // A deleted entry under a pending reader has a null field list.
        #expect(try RedisStreamEntry(.array([Self.bulk("1-1"), .null])).fields.isEmpty)
    }

    @Test func xreadRepliesInBothShapes() throws {
        let resp3 = RESPValue.map([RESPValue.Pair(key: Self.bulk("chan"), value: .array([Self.entry]))])
        let resp2 = RESPValue.array([.array([Self.bulk("chan"), .array([Self.entry])])])
        let expected = [RedisStreamBatch(key: "chan", entries: [try RedisStreamEntry(Self.entry)])]
        #expect(try RedisStreamBatch.batches(resp3) == expected)
        #expect(try RedisStreamBatch.batches(resp2) == expected)
        #expect(try RedisStreamBatch.batches(.null).isEmpty)
    }

    @Test(arguments: [
        RESPValue.integer(1),
        .array([.array([Self.bulk("chan")])]),
        .array([.array([Self.bulk("chan"), .array([.array([Self.bulk("not-an-id"), .array([])])])])]),
        .array([.array([Self.bulk("chan"), .array([.array([Self.bulk("1-1"), .array([Self.bulk("odd")])])])])]),
    ])
    func malformedStreamRepliesAreReplyErrors(_ reply: RESPValue) {
        #expect(throws: RedisReplyError.self) { try RedisStreamBatch.batches(reply) }
    }

    @Test func helloInBothShapes() {
        let fields: [(String, RESPValue)] = [("server", Self.bulk("redis")), ("version", Self.bulk("7.0.15")), ("proto", .integer(3)),
                                             ("id", .integer(42)), ("mode", Self.bulk("standalone")), ("role", Self.bulk("master"))]
        let expected = RedisHello(clientID: 42, serverVersion: "7.0.15", mode: "standalone", role: "master")
        #expect(RedisHello(.map(fields.map { RESPValue.Pair(key: Self.bulk($0.0), value: $0.1) })) == expected)
        #expect(RedisHello(.array(fields.flatMap { [Self.bulk($0.0), $0.1] })) == expected)
        #expect(RedisHello(.simpleString("OK")) == nil)
    }

    @Test func valueAccessors() {
        #expect(RESPValue.verbatimString(format: "txt", text: ByteBuffer(string: "run_id:abc")).string == "run_id:abc")
        #expect(Self.bulk("12").integer == 12)
        #expect(RESPValue.integer(3).string == nil)
        #expect(RESPValue.map([RESPValue.Pair(key: .simpleString("a"), value: .integer(1))]).elements == [.simpleString("a"), .integer(1)])
        #expect(RESPValue.array([.integer(1)]).pairs == nil)
        #expect(RedisServerError(message: "WRONGTYPE Operation against a key").code == "WRONGTYPE")
    }

    @Test func xreadArgumentsNeverBlockForEver() {
        let arguments = RedisClient.xreadArguments([RedisStreamPosition(key: "a", after: .zero), RedisStreamPosition(key: "b", after: "$")], count: 10, block: .microseconds(10))
        #expect(arguments == ["XREAD", "COUNT", 10, "BLOCK", 1, "STREAMS", "a", "b", "0-0", "$"])
    }
}
