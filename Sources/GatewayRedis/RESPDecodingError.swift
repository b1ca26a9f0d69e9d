/// The bytes from the server are not RESP we accept: broken framing, or a length, count or depth past
/// `RESPDecoder.Limits`. The stream cannot be resynchronised after one, so the connection closes and every
/// command in flight fails with `RedisConnectionError.protocolViolation`.
public struct RESPDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case unknownType(UInt8)
        case malformedLine
        case lineTooLong(limit: Int)
        case invalidLength
        case bulkTooLong(length: Int, limit: Int)
        case aggregateTooLong(count: Int, limit: Int)
        case nestingTooDeep(limit: Int)
        case tooManyElements(limit: Int)
        case replyTooLarge(limit: Int)
        case missingTerminator
        case invalidNumber
        case invalidBoolean
        case invalidVerbatimString
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// A reply starts with a byte that names no RESP type.
    public static func unknownType(_ byte: UInt8) -> Self { Self(.unknownType(byte)) }
    /// A header line is not valid UTF-8 or has a bare `\r` or `\n`.
    public static let malformedLine = Self(.malformedLine)
    /// No `\r\n` within the line limit (simple strings, errors, numbers and headers are short lines).
    public static func lineTooLong(limit: Int) -> Self { Self(.lineTooLong(limit: limit)) }
    /// A length or count that is not a decimal number, or negative other than the RESP2 null `-1`.
    public static let invalidLength = Self(.invalidLength)
    public static func bulkTooLong(length: Int, limit: Int) -> Self { Self(.bulkTooLong(length: length, limit: limit)) }
    public static func aggregateTooLong(count: Int, limit: Int) -> Self { Self(.aggregateTooLong(count: count, limit: limit)) }
    public static func nestingTooDeep(limit: Int) -> Self { Self(.nestingTooDeep(limit: limit)) }
    /// The aggregates of one reply announce more elements in all than `maximumReplyElements`.
    public static func tooManyElements(limit: Int) -> Self { Self(.tooManyElements(limit: limit)) }
    /// One reply takes more bytes than `maximumReplyBytes`.
    public static func replyTooLarge(limit: Int) -> Self { Self(.replyTooLarge(limit: limit)) }
    /// A bulk payload not followed by `\r\n`.
    public static let missingTerminator = Self(.missingTerminator)
    /// An integer or double that does not parse.
    public static let invalidNumber = Self(.invalidNumber)
    /// A RESP3 boolean other than `#t` / `#f`.
    public static let invalidBoolean = Self(.invalidBoolean)
    /// A RESP3 verbatim string without its `fmt:` prefix.
    public static let invalidVerbatimString = Self(.invalidVerbatimString)

    public var description: String {
        switch self.code {
        case .unknownType(let byte): return "RESP: unknown type byte 0x\(String(byte, radix: 16))"
        case .malformedLine: return "RESP: malformed line"
        case .lineTooLong(let limit): return "RESP: line longer than \(limit) bytes"
        case .invalidLength: return "RESP: invalid length"
        case .bulkTooLong(let length, let limit): return "RESP: bulk string of \(length) bytes exceeds the limit of \(limit)"
        case .aggregateTooLong(let count, let limit): return "RESP: aggregate of \(count) elements exceeds the limit of \(limit)"
        case .nestingTooDeep(let limit): return "RESP: aggregates nested deeper than \(limit)"
        case .tooManyElements(let limit): return "RESP: reply with more than \(limit) elements in all"
        case .replyTooLarge(let limit): return "RESP: reply larger than \(limit) bytes"
        case .missingTerminator: return "RESP: bulk payload not followed by CRLF"
        case .invalidNumber: return "RESP: invalid number"
        case .invalidBoolean: return "RESP: invalid boolean"
        case .invalidVerbatimString: return "RESP: verbatim string without a format"
        }
    }
}
