import GatewaySSE

/// Upstream SSE bytes (an origin is not trusted): the parser never crashes, never dispatches an event
/// over `maxEventBytes`, and gives the same events however the bytes are split.
///
/// Input: byte 0 picks the chunk size (1...256) for the split run; the rest is the stream.
func fuzzEventStreamParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let chunkSize = Int(input[0]) + 1
    let stream = Array(input.dropFirst())
    let maxEventBytes = 512

    func parse(chunkSize: Int) -> (events: [EventStreamParser.Event], failed: Bool) {
        var parser = EventStreamParser(maxLineBytes: 256, maxEventBytes: maxEventBytes)
        var events: [EventStreamParser.Event] = []
        var start = 0
        while start < stream.count {
            let end = min(start + chunkSize, stream.count)
            do {
                try parser.feed(stream[start..<end], into: &events)
            } catch {
                return (events, true)
            }
            start = end
        }
        return (events, false)
    }

    let whole = parse(chunkSize: max(stream.count, 1))
    let split = parse(chunkSize: chunkSize)
    for event in whole.events where event.data.utf8.count > maxEventBytes {
        fatalError("dispatched an event of \(event.data.utf8.count) bytes over the \(maxEventBytes) limit")
    }
    guard whole.events == split.events, whole.failed == split.failed else {
        fatalError("the split changed the result: \(whole) vs \(split) (chunks of \(chunkSize))")
    }
    return 0
}
