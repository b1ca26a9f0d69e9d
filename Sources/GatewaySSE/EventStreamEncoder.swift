import NIOCore

/// Writes events and comments in the WHATWG `text/event-stream` format (HTML §9.2.5).
///
/// Lines end with LF only. `data` is split on CRLF, CR and LF, each piece on its own `data:` line, because
/// a raw CR or LF inside a field would start a new field at the client. The blank line that dispatches the
/// event is always written last, so a stream cut mid-write never dispatches half an event.
public enum EventStreamEncoder {
    /// The bytes of one event: optional `id:`, `event:`, `retry:`, then `data:` lines and the blank line.
    public static func encode(_ event: ServerSentEvent, id: String?) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(event.data.utf8.count + (id?.utf8.count ?? 0) + (event.type?.utf8.count ?? 0) + 32)
        if let id { writeField("id", id, into: &buffer) }
        writeBody(event, into: &buffer)
        return buffer
    }

    /// Everything of the event after its `id:` line, so callers can put a per-stream id in front of shared bytes.
    public static func writeBody(_ event: ServerSentEvent, into buffer: inout ByteBuffer) {
        if let type = event.type { writeField("event", type, into: &buffer) }
        if let retry = event.retryMilliseconds { writeField("retry", String(retry), into: &buffer) }
        writeData(event.data, into: &buffer)
        buffer.writeStaticString("\n")
    }

    /// `id: <value>` and LF. The value must not contain CR, LF or NUL (cursors never do).
    public static func writeField(_ name: StaticString, _ value: String, into buffer: inout ByteBuffer) {
        buffer.writeStaticString(name)
        buffer.writeStaticString(": ")
        buffer.writeString(value)
        buffer.writeStaticString("\n")
    }

    /// A comment block (`:text` then a blank line): ignored by clients, it keeps proxies and NATs from
    /// timing out the connection and proves the stream still drains.
    public static func comment(_ text: String = "") -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeStaticString(":")
        buffer.writeString(text.filter { $0 != "\r" && $0 != "\n" })
        buffer.writeStaticString("\n\n")
        return buffer
    }

    /// A lone `retry:` block. It carries no data, so clients update their reconnection time and dispatch nothing.
    public static func retry(milliseconds: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        writeField("retry", String(milliseconds), into: &buffer)
        buffer.writeStaticString("\n")
        return buffer
    }

    private static func writeData(_ data: String, into buffer: inout ByteBuffer) {
        var utf8 = data.utf8[...]
        while true {
            let lineEnd = utf8.firstIndex { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
            buffer.writeStaticString("data: ")
            guard let lineEnd else {
                buffer.writeBytes(utf8)
                buffer.writeStaticString("\n")
                return
            }
            buffer.writeBytes(utf8[..<lineEnd])
            buffer.writeStaticString("\n")
            var next = utf8.index(after: lineEnd)
            if utf8[lineEnd] == UInt8(ascii: "\r"), next < utf8.endIndex, utf8[next] == UInt8(ascii: "\n") {
                next = utf8.index(after: next)
            }
            utf8 = utf8[next...]
        }
    }
}
