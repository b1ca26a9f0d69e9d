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
        data.withUTF8Bytes { bytes in
            var start = 0
            while true {
                buffer.writeStaticString("data: ")
                guard let lineEnd = ByteScan.firstLineBreak(in: bytes, from: start) else {
                    buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[start...]))
                    buffer.writeStaticString("\n")
                    return
                }
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[start..<lineEnd]))
                buffer.writeStaticString("\n")
                start = lineEnd + 1
                if bytes[lineEnd] == UInt8(ascii: "\r"), start < bytes.count, bytes[start] == UInt8(ascii: "\n") {
                    start += 1
                }
            }
        }
    }
}
