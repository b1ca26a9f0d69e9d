import Foundation

/// What curl printed, as WHATWG events (HTML §9.2.6): complete blocks with at least one `data:` line.
struct SSEEvent: Equatable, CustomStringConvertible {
    var id: String?
    var type: String?
    var data: String
    var description: String { "[\(type ?? "message") id=\(id ?? "-") \(data)]" }

    /// The JSON object of a `stream-gap` event.
    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] }

    static func parse(_ text: String) -> [SSEEvent] {
        var blocks = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
        blocks.removeLast()  // after the last blank line: an incomplete event
        return blocks.compactMap { block in
            var event = SSEEvent(id: nil, type: nil, data: "")
            var data: [String] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: false) where !line.hasPrefix(":") {
                let (field, value) = line.firstIndex(of: ":").map { (String(line[..<$0]), String(line[line.index(after: $0)...])) } ?? (String(line), "")
                let trimmed = value.hasPrefix(" ") ? String(value.dropFirst()) : value
                switch field {
                case "id": event.id = trimmed
                case "event": event.type = trimmed
                case "data": data.append(trimmed)
                default: break
                }
            }
            guard !data.isEmpty else { return nil }
            event.data = data.joined(separator: "\n")
            return event
        }
    }

    /// The data of the plain messages (no `event:` type), in order.
    static func messages(_ text: String) -> [String] {
        parse(text).filter { $0.type == nil }.map(\.data)
    }
}
