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

struct SHA1Tests {
    @Test(arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        (String(repeating: "a", count: 1000), "291e9a6c66994949b57ba5e650361e98fc36b1ba"),
    ])
    func matchesFIPSVectors(_ input: String, _ digest: String) {
        #expect(SHA1.hexDigest(input) == digest)
    }
}
