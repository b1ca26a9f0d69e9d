import NIOCore

/// A small JSON value for building answers without Foundation on the request path. Keys keep their order.
/// Not `indirect`: the arrays already hold nested values out of line, and boxing every case cost an
/// allocation per value on every publish answer.
public enum JSONValue: Sendable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    public func write(into buffer: inout ByteBuffer) {
        switch self {
        case .string(let text): Self.writeString(text, into: &buffer)
        case .int(let number): buffer.writeString(String(number))
        case .bool(let flag): buffer.writeString(flag ? "true" : "false")
        case .null: buffer.writeStaticString("null")
        case .array(let items):
            buffer.writeStaticString("[")
            for (index, item) in items.enumerated() {
                if index > 0 { buffer.writeStaticString(",") }
                item.write(into: &buffer)
            }
            buffer.writeStaticString("]")
        case .object(let members):
            buffer.writeStaticString("{")
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { buffer.writeStaticString(",") }
                Self.writeString(key, into: &buffer)
                buffer.writeStaticString(":")
                value.write(into: &buffer)
            }
            buffer.writeStaticString("}")
        }
    }

    public var text: String {
        var buffer = ByteBuffer()
        write(into: &buffer)
        return String(buffer: buffer)
    }

    /// RFC 8259 §7 string escaping.
    private static func writeString(_ text: String, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("\"")
        // Most strings (channel names, ids) need no escape: copy their UTF-8 as is.
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            buffer.writeString(text)
            buffer.writeStaticString("\"")
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": buffer.writeStaticString("\\\"")
            case "\\": buffer.writeStaticString("\\\\")
            case "\n": buffer.writeStaticString("\\n")
            case "\r": buffer.writeStaticString("\\r")
            case "\t": buffer.writeStaticString("\\t")
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                buffer.writeString("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default:
                buffer.writeString(String(scalar))
            }
        }
        buffer.writeStaticString("\"")
    }
}
