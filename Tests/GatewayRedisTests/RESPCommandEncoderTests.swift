import NIOCore
import Testing

@testable import GatewayRedis

struct RESPCommandEncoderTests {
    @Test func writesAnArrayOfBulkStrings() {
        let bytes = RESPCommandEncoder.encode(["SET", "key", .bytes(ByteBuffer(bytes: [0, 13, 10])), 42, -7])
        #expect(String(buffer: bytes) == "*5\r\n$3\r\nSET\r\n$3\r\nkey\r\n$3\r\n\0\r\n\r\n$2\r\n42\r\n$2\r\n-7\r\n")
    }

    @Test func countsUTF8BytesNotCharacters() {
        #expect(String(buffer: RESPCommandEncoder.encode(["é"])) == "*1\r\n$2\r\né\r\n")
    }

    @Test func appendsToWhatIsAlreadyInTheBuffer() {
        var buffer = ByteBuffer(string: "*1\r\n$4\r\nPING\r\n")
        RESPCommandEncoder.write(["PING"], into: &buffer)
        #expect(String(buffer: buffer) == "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n")
    }

    /// What the encoder writes, the decoder reads back as the same bulk strings.
    @Test func roundTripsThroughTheDecoder() throws {
        var buffer = RESPCommandEncoder.encode(["XADD", "s", "*", "data", .bytes(ByteBuffer(string: "a\r\nb"))])
        var decoder = RESPDecoder()
        let value = try decoder.decode(buffer: &buffer)
        #expect(value == .array(["XADD", "s", "*", "data", "a\r\nb"].map { .bulkString(ByteBuffer(string: $0)) }))
    }
}
