import GatewaySSE

/// A deliberately plain reading of WHATWG HTML §9.2.6 over a whole stream at once, to check the incremental
/// parser against: split into lines (CRLF, CR or LF), strip one leading BOM, then the field rules, with the
/// parser's limits (a line over `maxLineBytes`, finished or not, and data over `maxEventBytes`, raw while it
/// accumulates and decoded at dispatch, end the stream with an error). Events are kept as raw bytes; the
/// String API's view of them is their UTF-8 decoding with replacement.
struct EventStreamReference {
    struct RawEvent: Equatable {
        var type: [UInt8]
        var data: [UInt8]
        var lastEventID: [UInt8]
    }

    struct Outcome: Equatable {
        var events: [RawEvent] = []
        var error: EventStreamParser.ParseError?
        var retry: Int?
        var comments = 0
    }

    static func parse(_ stream: [UInt8], maxLineBytes: Int, maxEventBytes: Int) -> Outcome {
        var outcome = Outcome()
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var index = 0
        while index < stream.count {
            let byte = stream[index]
            if byte == 0x0D || byte == 0x0A {
                lines.append(current)
                current = []
                if byte == 0x0D, index + 1 < stream.count, stream[index + 1] == 0x0A { index += 1 }
            } else {
                current.append(byte)
            }
            index += 1
        }
        let unfinished = current
        var data: [UInt8] = []
        var hasData = false
        var type: [UInt8] = []
        var lastEventID: [UInt8] = []
        for (number, rawLine) in lines.enumerated() {
            guard rawLine.count <= maxLineBytes else {
                outcome.error = .lineTooLong
                return outcome
            }
            var line = rawLine[...]
            if number == 0, line.starts(with: [0xEF, 0xBB, 0xBF]) { line = line.dropFirst(3) }
            if line.isEmpty {
                if hasData, !data.isEmpty {
                    guard String(decoding: data, as: UTF8.self).utf8.count <= maxEventBytes else {
                        outcome.error = .eventTooLarge
                        return outcome
                    }
                    outcome.events.append(
                        RawEvent(type: type.isEmpty ? Array("message".utf8) : type, data: data, lastEventID: lastEventID))
                }
                data = []
                hasData = false
                type = []
                continue
            }
            if line.first == UInt8(ascii: ":") {
                outcome.comments += 1
                continue
            }
            let name: [UInt8]
            var value: ArraySlice<UInt8>
            if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
                name = Array(line[..<colon])
                value = line[(colon + 1)...]
                if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
            } else {
                name = Array(line)
                value = []
            }
            switch String(decoding: name, as: UTF8.self) {
            case "event":
                type = Array(value)
            case "data":
                guard data.count + (hasData ? 1 : 0) + value.count <= maxEventBytes else {
                    outcome.error = .eventTooLarge
                    return outcome
                }
                if hasData { data.append(0x0A) }
                data += value
                hasData = true
            case "id":
                if !value.contains(0) { lastEventID = Array(value) }
            case "retry":
                if !value.isEmpty, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                   let milliseconds = Int(String(decoding: value, as: UTF8.self)) {
                    outcome.retry = milliseconds
                }
            default:
                break
            }
        }
        if unfinished.count > maxLineBytes { outcome.error = .lineTooLong }
        return outcome
    }
}
