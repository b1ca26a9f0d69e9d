import GatewaySSE

/// `Last-Event-ID` (header or query) as a client sends it: `EventCursor` and `StreamPosition` parsing
/// never crash, and whatever parses prints back to text that parses to the same value.
///
/// Input: byte 0 picks the number of channels (1...4); the rest, as UTF-8 (lossy), is the id.
func fuzzLastEventID(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let channels = (0...Int(input[0] % 4)).map { "channel-\($0)" }
    let text = String(decoding: input.dropFirst(), as: UTF8.self)

    if let cursor = EventCursor(Substring(text)) {
        guard EventCursor(Substring(cursor.description)) == cursor else {
            fatalError("cursor \(cursor) does not survive its own text")
        }
    }
    switch StreamPosition.parse(text, channels: channels) {
    case .earliest, .malformed:
        break
    case .cursors(let cursors):
        guard cursors.count == channels.count else {
            fatalError("\(cursors.count) cursors for \(channels.count) channels")
        }
        let position = StreamPosition(channels: channels, cursors: cursors)
        guard StreamPosition.parse(position.description, channels: channels) == .cursors(cursors) else {
            fatalError("position \(position) does not survive its own text")
        }
    }
    return 0
}
