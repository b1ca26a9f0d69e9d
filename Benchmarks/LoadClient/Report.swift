import Foundation

/// Results as ordered key/value pairs: printed for people, then as one JSON line for the script.
struct Report {
    private var fields: [(key: String, value: Value)] = []

    enum Value {
        case int(Int)
        case double(Double)
        case string(String)
    }

    mutating func set(_ key: String, _ value: Int) { self.fields.append((key, .int(value))) }
    mutating func set(_ key: String, _ value: Double) { self.fields.append((key, .double(value))) }
    mutating func set(_ key: String, _ value: String) { self.fields.append((key, .string(value))) }

    func print() {
        for (key, value) in self.fields {
            Swift.print("  \(key.padding(toLength: 28, withPad: " ", startingAt: 0)) \(Self.human(value))")
        }
        Swift.print("JSON " + self.json)
    }

    var json: String {
        let body = self.fields.map { key, value in "\"\(key)\":\(Self.jsonValue(value))" }
        return "{" + body.joined(separator: ",") + "}"
    }

    private static func human(_ value: Value) -> String {
        switch value {
        case .int(let int): return String(int)
        case .double(let double): return formatted(double)
        case .string(let string): return string
        }
    }

    private static func jsonValue(_ value: Value) -> String {
        switch value {
        case .int(let int): return String(int)
        case .double(let double): return double.isFinite ? formatted(double) : "null"
        case .string(let string):
            let escaped = string.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\""
        }
    }

    private static func formatted(_ value: Double) -> String {
        guard value.isFinite else { return "nan" }
        let rounded = (value * 1000).rounded() / 1000
        return String(rounded)
    }
}
