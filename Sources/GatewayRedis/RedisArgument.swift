import NIOCore

/// One argument of a command. Every argument goes to the server as a bulk string, so text, numbers and raw
/// bytes (an event's payload) are all binary-safe and need no quoting.
public enum RedisArgument: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case string(String)
    case bytes(ByteBuffer)
    case integer(Int64)

    public init(stringLiteral value: String) {
        self = .string(value)
    }

    public init(integerLiteral value: Int64) {
        self = .integer(value)
    }

    public init(_ value: Int) {
        self = .integer(Int64(value))
    }
}

/// Writes commands the way every Redis client sends them: an array of bulk strings
/// (`*<n>\r\n` then `$<len>\r\n<bytes>\r\n` per argument), straight into the caller's buffer.
public enum RESPCommandEncoder {
    /// Appends one command. Inline commands (space-separated text) are never used: they are not binary-safe.
    public static func write(_ arguments: [RedisArgument], into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "*"))
        Self.writeDecimal(arguments.count, into: &buffer)
        for argument in arguments {
            switch argument {
            case .string(let text):
                buffer.writeInteger(UInt8(ascii: "$"))
                Self.writeDecimal(text.utf8.count, into: &buffer)
                buffer.writeString(text)
            case .bytes(let bytes):
                buffer.writeInteger(UInt8(ascii: "$"))
                Self.writeDecimal(bytes.readableBytes, into: &buffer)
                buffer.writeImmutableBuffer(bytes)
            case .integer(let value):
                let text = String(value)
                buffer.writeInteger(UInt8(ascii: "$"))
                Self.writeDecimal(text.utf8.count, into: &buffer)
                buffer.writeString(text)
            }
            buffer.writeStaticString("\r\n")
        }
    }

    /// The bytes of one command, for tests and for sizing.
    public static func encode(_ arguments: [RedisArgument]) -> ByteBuffer {
        var buffer = ByteBuffer()
        Self.write(arguments, into: &buffer)
        return buffer
    }

    /// `<n>\r\n`: a length or count, always non-negative.
    private static func writeDecimal(_ value: Int, into buffer: inout ByteBuffer) {
        buffer.writeString(String(value))
        buffer.writeStaticString("\r\n")
    }
}
