import NIOCore

/// Decodes RESP2 and RESP3 replies, one complete top-level value at a time, within `Limits`.
///
/// Incremental, not re-entrant parsing: every complete token (a header line, or a bulk line with its
/// payload) is consumed as soon as it is read and open aggregates wait on `stack`, so a reply of a million
/// entries arriving in a thousand reads is scanned once, not a thousand times. Nothing is allocated from a
/// length or count the server sent before the bytes behind it arrived: a hostile `*2147483647` costs one
/// stack frame and a typed error, not memory. Counts and bytes are also summed over the whole reply, so
/// nesting cannot multiply past the limits either (see `Limits`).
public struct RESPDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = RESPValue

    private enum AggregateKind {
        case array, map, set, push, attribute
    }

    /// An aggregate whose header was read and whose elements are still arriving.
    private struct OpenAggregate {
        let kind: AggregateKind
        var remaining: Int
        var elements: [RESPValue]
    }

    /// What one header line (with its payload, for bulk types) amounts to.
    private enum Token {
        case value(RESPValue)
        case aggregate(AggregateKind, count: Int)
    }

    public let limits: Limits
    private var stack: [OpenAggregate] = []
    /// Elements announced by the aggregate headers of the reply being decoded.
    private var replyElements = 0
    /// Bytes consumed by the reply being decoded.
    private var replyBytes = 0

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> RESPValue? {
        var value: RESPValue
        nextToken: while true {
            let start = buffer.readerIndex
            guard let token = try self.readToken(from: &buffer) else { return nil }
            self.replyBytes += buffer.readerIndex - start
            guard self.replyBytes <= self.limits.maximumReplyBytes else {
                throw RESPDecodingError.replyTooLarge(limit: self.limits.maximumReplyBytes)
            }
            switch token {
            case .value(let scalar):
                value = scalar
            case .aggregate(let kind, let count):
                if count == 0 {
                    if case .attribute = kind { continue nextToken }
                    value = Self.build(kind, elements: [])
                } else {
                    guard self.stack.count < self.limits.maximumDepth else {
                        throw RESPDecodingError.nestingTooDeep(limit: self.limits.maximumDepth)
                    }
                    let elementCount: Int
                    switch kind {
                    case .map, .attribute: elementCount = count * 2
                    case .array, .set, .push: elementCount = count
                    }
                    self.replyElements += elementCount
                    guard self.replyElements <= self.limits.maximumReplyElements else {
                        throw RESPDecodingError.tooManyElements(limit: self.limits.maximumReplyElements)
                    }
                    var elements: [RESPValue] = []
                    elements.reserveCapacity(min(elementCount, 1024))
                    self.stack.append(OpenAggregate(kind: kind, remaining: elementCount, elements: elements))
                    continue nextToken
                }
            }
            // Fold the finished value into the aggregates it completes.
            while !self.stack.isEmpty {
                let top = self.stack.count - 1
                self.stack[top].elements.append(value)
                self.stack[top].remaining -= 1
                guard self.stack[top].remaining == 0 else { continue nextToken }
                let finished = self.stack.removeLast()
                // RESP3 attributes annotate the value after them; we have no use for them and drop them.
                if case .attribute = finished.kind { continue nextToken }
                value = Self.build(finished.kind, elements: finished.elements)
            }
            self.replyElements = 0
            self.replyBytes = 0
            return value
        }
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPValue? {
        try self.decode(buffer: &buffer)
    }

    private static func build(_ kind: AggregateKind, elements: [RESPValue]) -> RESPValue {
        switch kind {
        case .array: return .array(elements)
        case .set: return .set(elements)
        case .push: return .push(elements)
        case .map, .attribute:
            return .map(stride(from: 0, to: elements.count, by: 2).map { RESPValue.Pair(key: elements[$0], value: elements[$0 + 1]) })
        }
    }

    // MARK: Tokens

    /// Reads one token and consumes its bytes, or consumes nothing and returns nil when it is incomplete.
    private func readToken(from buffer: inout ByteBuffer) throws -> Token? {
        guard let line = try self.peekLine(in: buffer) else { return nil }
        let type = line.type
        let text = line.text
        switch type {
        case UInt8(ascii: "+"):
            buffer.moveReaderIndex(forwardBy: line.consumed)
            return .value(.simpleString(text))
        case UInt8(ascii: "-"):
            buffer.moveReaderIndex(forwardBy: line.consumed)
            return .value(.error(RedisServerError(message: text)))
        case UInt8(ascii: ":"):
            guard let integer = Int64(text) else { throw RESPDecodingError.invalidNumber }
            buffer.moveReaderIndex(forwardBy: line.consumed)
            return .value(.integer(integer))
        case UInt8(ascii: "_"):
            guard text.isEmpty else { throw RESPDecodingError.malformedLine }
            buffer.moveReaderIndex(forwardBy: line.consumed)
            return .value(.null)
        case UInt8(ascii: ","):
            guard let double = Self.parseDouble(text) else { throw RESPDecodingError.invalidNumber }
            buffer.moveReaderIndex(forwardBy: line.consumed)
            return .value(.double(double))
        case UInt8(ascii: "#"):
            guard text == "t" || text == "f" else { throw RESPDecodingError.invalidBoolean }
            buffer.moveReaderIndex(forwardBy: line.consumed)
            return .value(.boolean(text == "t"))
        case UInt8(ascii: "("):
            guard Self.isBigNumber(text) else { throw RESPDecodingError.invalidNumber }
            buffer.moveReaderIndex(forwardBy: line.consumed)
            return .value(.bigNumber(text))
        case UInt8(ascii: "$"), UInt8(ascii: "!"), UInt8(ascii: "="):
            return try self.readBulk(type: type, text: text, headerLength: line.consumed, from: &buffer)
        case UInt8(ascii: "*"), UInt8(ascii: "%"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "|"):
            let count = try Self.parseLength(text, allowsNull: type == UInt8(ascii: "*"))
            buffer.moveReaderIndex(forwardBy: line.consumed)
            guard let count else { return .value(.null) }  // RESP2 null array
            guard count <= self.limits.maximumAggregateLength else {
                throw RESPDecodingError.aggregateTooLong(count: count, limit: self.limits.maximumAggregateLength)
            }
            let kind: AggregateKind
            switch type {
            case UInt8(ascii: "%"): kind = .map
            case UInt8(ascii: "~"): kind = .set
            case UInt8(ascii: ">"): kind = .push
            case UInt8(ascii: "|"): kind = .attribute
            default: kind = .array
            }
            return .aggregate(kind, count: count)
        default:
            throw RESPDecodingError.unknownType(type)
        }
    }

    /// `$n\r\n<n bytes>\r\n` (and `!` blob errors, `=` verbatim strings); `$-1` is RESP2's null.
    private func readBulk(type: UInt8, text: String, headerLength: Int, from buffer: inout ByteBuffer) throws -> Token? {
        guard let length = try Self.parseLength(text, allowsNull: type == UInt8(ascii: "$")) else {
            buffer.moveReaderIndex(forwardBy: headerLength)
            return .value(.null)
        }
        guard length <= self.limits.maximumBulkLength else {
            throw RESPDecodingError.bulkTooLong(length: length, limit: self.limits.maximumBulkLength)
        }
        guard self.replyBytes + headerLength + length + 2 <= self.limits.maximumReplyBytes else {
            throw RESPDecodingError.replyTooLarge(limit: self.limits.maximumReplyBytes)
        }
        let payloadStart = buffer.readerIndex + headerLength
        guard buffer.readableBytes >= headerLength + length + 2 else { return nil }
        guard buffer.getInteger(at: payloadStart + length, as: UInt16.self) == 0x0D0A else {
            throw RESPDecodingError.missingTerminator
        }
        let payload = buffer.getSlice(at: payloadStart, length: length)!
        buffer.moveReaderIndex(forwardBy: headerLength + length + 2)
        switch type {
        case UInt8(ascii: "!"):
            return .value(.error(RedisServerError(message: String(buffer: payload))))
        case UInt8(ascii: "="):
            // `fmt:` then the text (RESP3: the format is exactly three bytes).
            guard length >= 4, payload.getInteger(at: payload.readerIndex + 3, as: UInt8.self) == UInt8(ascii: ":") else {
                throw RESPDecodingError.invalidVerbatimString
            }
            let format = payload.getString(at: payload.readerIndex, length: 3) ?? ""
            return .value(.verbatimString(format: format, text: payload.getSlice(at: payload.readerIndex + 4, length: length - 4)!))
        default:
            return .value(.bulkString(payload))
        }
    }

    /// The type byte and text of the line at the reader index, and its length with `\r\n`; nil while the
    /// line is incomplete (and shorter than the limit).
    private func peekLine(in buffer: ByteBuffer) throws -> (type: UInt8, text: String, consumed: Int)? {
        let view = buffer.readableBytesView
        guard let type = view.first else { return nil }
        let body = view.dropFirst()
        guard let carriageReturn = body.prefix(self.limits.maximumLineLength + 1).firstIndex(of: UInt8(ascii: "\r")) else {
            if body.count > self.limits.maximumLineLength {
                throw RESPDecodingError.lineTooLong(limit: self.limits.maximumLineLength)
            }
            return nil
        }
        let newline = body.index(after: carriageReturn)
        guard newline < body.endIndex else { return nil }
        guard body[newline] == UInt8(ascii: "\n") else { throw RESPDecodingError.malformedLine }
        let textBytes = body[body.startIndex..<carriageReturn]
        guard !textBytes.contains(UInt8(ascii: "\n")), let text = String(validating: textBytes, as: UTF8.self) else {
            throw RESPDecodingError.malformedLine
        }
        return (type, text, view.distance(from: view.startIndex, to: newline) + 1)
    }

    /// A non-negative decimal length; `-1` is null where RESP2 allows it (`$-1`, `*-1`).
    private static func parseLength(_ text: String, allowsNull: Bool) throws -> Int? {
        if allowsNull, text == "-1" { return nil }
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let length = Int(text)
        else { throw RESPDecodingError.invalidLength }
        return length
    }

    /// RESP3 doubles: a decimal or exponent form, `inf`, `-inf`, `nan`.
    private static func parseDouble(_ text: String) -> Double? {
        switch text.lowercased() {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        case "nan", "-nan": return .nan
        default: return Double(text)
        }
    }

    private static func isBigNumber(_ text: String) -> Bool {
        let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        return !digits.isEmpty && digits.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
