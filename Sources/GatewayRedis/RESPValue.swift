import NIOCore

/// One reply from a Redis server, RESP2 or RESP3 (https://redis.io/docs/latest/develop/reference/protocol-spec/).
///
/// RESP2's null bulk string (`$-1`) and null array (`*-1`) decode to `.null` like RESP3's `_`, so callers
/// check one case whichever protocol the connection speaks. Bulk payloads stay `ByteBuffer` slices of the
/// bytes read: stream field values are event bytes, and the engine should not pay for a String round trip.
public enum RESPValue: Sendable, Hashable {
    /// `+OK`: a short status line.
    case simpleString(String)
    /// `-ERR ...` or RESP3's blob error `!`. At the top of a reply the connection turns this into a thrown
    /// `RedisServerError`; it stays a value only inside an aggregate (a script's table, say).
    case error(RedisServerError)
    /// `:n`.
    case integer(Int64)
    /// `$n` payload: binary-safe bytes, a slice of the read buffer. A slice keeps that whole buffer alive,
    /// so copy it (or encode it into an event) rather than keep many small slices for long.
    case bulkString(ByteBuffer)
    /// `_`, `$-1` or `*-1`.
    case null
    /// `*n`.
    case array([RESPValue])
    /// RESP3 `%n`: key/value pairs in the order the server sent them (duplicates kept).
    case map([Pair])
    /// RESP3 `~n`.
    case set([RESPValue])
    /// RESP3 `>n`: out-of-band data, not the answer to a command.
    case push([RESPValue])
    /// RESP3 `,`.
    case double(Double)
    /// RESP3 `#t` / `#f`.
    case boolean(Bool)
    /// RESP3 `=n`: a bulk string with a three-letter format (`txt`, `mkd`).
    case verbatimString(format: String, text: ByteBuffer)
    /// RESP3 `(`: an integer beyond 64 bits, kept as its decimal digits.
    case bigNumber(String)

    /// One entry of a RESP3 map.
    public struct Pair: Sendable, Hashable {
        public var key: RESPValue
        public var value: RESPValue

        public init(key: RESPValue, value: RESPValue) {
            self.key = key
            self.value = value
        }
    }
}

// MARK: - Reading a reply

extension RESPValue {
    /// The text of a simple, bulk or verbatim string (UTF-8, lossy), nil for other kinds.
    public var string: String? {
        switch self {
        case .simpleString(let text): return text
        case .bulkString(let bytes), .verbatimString(_, let bytes): return String(buffer: bytes)
        case .bigNumber(let digits): return digits
        case .error, .integer, .null, .array, .map, .set, .push, .double, .boolean: return nil
        }
    }

    /// The bytes of a bulk or verbatim string, or of a simple string's text.
    public var bytes: ByteBuffer? {
        switch self {
        case .bulkString(let bytes), .verbatimString(_, let bytes): return bytes
        case .simpleString(let text): return ByteBuffer(string: text)
        case .error, .integer, .null, .array, .map, .set, .push, .double, .boolean, .bigNumber: return nil
        }
    }

    /// An integer reply, or a string holding one (RESP2 scripts and `INFO` fields give numbers as text).
    public var integer: Int64? {
        switch self {
        case .integer(let value): return value
        case .simpleString, .bulkString, .bigNumber: return self.string.flatMap { Int64($0) }
        case .error, .null, .array, .map, .set, .push, .double, .boolean, .verbatimString: return nil
        }
    }

    /// The elements of an array, set or push; a map's keys and values interleaved (RESP2's shape of it).
    public var elements: [RESPValue]? {
        switch self {
        case .array(let values), .set(let values), .push(let values): return values
        case .map(let pairs): return pairs.flatMap { [$0.key, $0.value] }
        case .simpleString, .error, .integer, .bulkString, .null, .double, .boolean, .verbatimString, .bigNumber: return nil
        }
    }

    /// Key/value pairs of a RESP3 map, or of a RESP2 array of alternating keys and values.
    public var pairs: [Pair]? {
        switch self {
        case .map(let pairs):
            return pairs
        case .array(let values):
            guard values.count.isMultiple(of: 2) else { return nil }
            return stride(from: 0, to: values.count, by: 2).map { Pair(key: values[$0], value: values[$0 + 1]) }
        case .simpleString, .error, .integer, .bulkString, .null, .set, .push, .double, .boolean, .verbatimString, .bigNumber:
            return nil
        }
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}
