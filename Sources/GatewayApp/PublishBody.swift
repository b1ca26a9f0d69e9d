import Foundation
import GatewayHTTP
import GatewaySSE
import NIOCore

/// Turns a publish request body into events: plain text is one event's data; a JSON object
/// `{"event","data","retry"}` or an array of them sets the fields.
enum PublishBody {
    static func events(from body: ByteBuffer, contentType: String?, maxEvents: Int) throws(HTTPError) -> [ServerSentEvent] {
        // Checked on the bytes: decoding would silently repair invalid UTF-8 with U+FFFD.
        guard let text = body.withUnsafeReadableBytes({ String(validating: $0, as: UTF8.self) }) else {
            throw HTTPError(400, .invalidUTF8, "the body is not valid UTF-8")
        }
        if Self.isJSON(contentType) {
            return try jsonEvents(text, maxEvents: maxEvents)
        }
        return [try makeEvent(type: nil, data: text, retry: nil, index: nil)]
    }

    /// The media type (the first non-empty `;`-separated part, trimmed of `CharacterSet.whitespaces`,
    /// lowercased) is `application/json` or ends in `+json`. Written without Foundation's splitting and
    /// trimming, which cost more than the rest of a small publish; same answers.
    private static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let end = contentType.endIndex
        var start = contentType.startIndex
        while start < end, contentType[start] == ";" { start = contentType.index(after: start) }
        let part = contentType[start..<(contentType[start...].firstIndex(of: ";") ?? end)].unicodeScalars
        guard let first = part.firstIndex(where: { !isWhitespace($0) }), let last = part.lastIndex(where: { !isWhitespace($0) }) else {
            return false
        }
        let mediaType = String(part[first...last]).lowercased()
        return mediaType == "application/json" || mediaType.hasSuffix("+json")
    }

    /// Exactly `CharacterSet.whitespaces`: tab, the space separators (Zs), and U+200B.
    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar == " " || scalar == "\t" }
        return scalar == "\u{200B}" || scalar.properties.generalCategory == .spaceSeparator
    }

    private static func jsonEvents(_ text: String, maxEvents: Int) throws(HTTPError) -> [ServerSentEvent] {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        } catch {
            throw HTTPError(400, .invalidJSON, "the body is not valid JSON")
        }
        if let object = parsed as? [String: Any] {
            return [try event(from: object, index: nil)]
        }
        guard let array = parsed as? [Any] else {
            throw HTTPError(400, .invalidEvent, "a JSON body must be an object {\"event\",\"data\",\"retry\"} or an array of them")
        }
        guard !array.isEmpty else { throw HTTPError(400, .invalidEvent, "the event array is empty") }
        guard array.count <= maxEvents else {
            throw HTTPError(413, .tooManyEvents, "\(array.count) events in one request; the limit is \(maxEvents)")
        }
        var events: [ServerSentEvent] = []
        for (index, item) in array.enumerated() {
            guard let object = item as? [String: Any] else {
                throw HTTPError(400, .invalidEvent, "item \(index) is not a JSON object")
            }
            events.append(try event(from: object, index: index))
        }
        return events
    }

    private static let allowedKeys: Set<String> = ["event", "data", "retry"]

    private static func event(from object: [String: Any], index: Int?) throws(HTTPError) -> ServerSentEvent {
        let place = index.map { "item \($0): " } ?? ""
        if let unknown = object.keys.sorted().first(where: { !allowedKeys.contains($0) }) {
            let hint = unknown == "id" ? " (ids are assigned by the gateway)" : ""
            throw HTTPError(400, .invalidEvent, "\(place)unknown field '\(unknown)'\(hint); allowed: event, data, retry")
        }
        guard let rawData = object["data"], !(rawData is NSNull) else {
            throw HTTPError(400, .invalidEvent, "\(place)missing field 'data'")
        }
        let data: String
        if let string = rawData as? String {
            data = string
        } else if let encoded = try? JSONSerialization.data(withJSONObject: rawData, options: [.fragmentsAllowed, .withoutEscapingSlashes]) {
            // Structured data travels as its compact JSON text, ready for `JSON.parse(event.data)`.
            data = String(decoding: encoded, as: UTF8.self)
        } else {
            throw HTTPError(400, .invalidEvent, "\(place)'data' cannot be encoded")
        }
        var type: String?
        if let rawType = object["event"], !(rawType is NSNull) {
            guard let string = rawType as? String else {
                throw HTTPError(400, .invalidEvent, "\(place)'event' must be a string")
            }
            type = string
        }
        var retry: Int?
        if let rawRetry = object["retry"], !(rawRetry is NSNull) {
            guard !(rawRetry is Bool), let number = rawRetry as? Int else {
                throw HTTPError(400, .invalidEvent, "\(place)'retry' must be an integer number of milliseconds")
            }
            retry = number
        }
        return try makeEvent(type: type, data: data, retry: retry, index: index)
    }

    private static func makeEvent(type: String?, data: String, retry: Int?, index: Int?) throws(HTTPError) -> ServerSentEvent {
        do {
            return try ServerSentEvent(type: type, data: data, retryMilliseconds: retry)
        } catch {
            let place = index.map { "item \($0): " } ?? ""
            throw HTTPError(400, .invalidEvent, place + error.description)
        }
    }
}
