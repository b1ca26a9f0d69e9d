/// The config's own value syntaxes: durations, byte sizes, host names, addresses, variable names.
///
/// Pure functions from text to a value or a message, so they are tested without YAML and the reader adds
/// the key path and position.
enum ConfigValue {
    static let durationForms = "a duration such as 250ms, 15s, 2m, 1h, 1d or a number of seconds"
    static let sizeForms = "a size such as 65536 (bytes), 64KiB, 1MiB or 1GiB (IEC units; KB and MB are not accepted)"

    /// `250ms`, `15s`, `2m`, `1h`, `1d`, or a bare integer of seconds; must be positive.
    static func duration(_ text: String) -> Result<Duration, ValueProblem> {
        let units: [(suffix: String, milliseconds: Int64)] = [
            ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
        ]
        let trimmed = text.trimmingWhitespace()
        // Longest suffix first so `ms` is not read as `m` plus garbage.
        let unit = units.sorted { $0.suffix.count > $1.suffix.count }.first { trimmed.hasSuffix($0.suffix) }
        let digits = unit.map { String(trimmed.dropLast($0.suffix.count)).trimmingWhitespace() } ?? trimmed
        guard let count = Self.integer(digits).map(Int64.init) else {
            if isOverflowingInteger(digits) {
                return .failure(ValueProblem("duration '\(YAMLNodeReader.clip(text))' is too long (at most 100 years)"))
            }
            return .failure(ValueProblem("expected \(durationForms), found '\(YAMLNodeReader.clip(text))'"))
        }
        let (milliseconds, overflow) = count.multipliedReportingOverflow(by: unit?.milliseconds ?? 1000)
        guard !overflow, milliseconds <= 100 * 365 * 86_400_000 else {
            return .failure(ValueProblem("duration '\(YAMLNodeReader.clip(text))' is too long (at most 100 years)"))
        }
        guard milliseconds > 0 else {
            return .failure(ValueProblem("a duration must be greater than zero, found '\(text)'"))
        }
        return .success(.milliseconds(milliseconds))
    }

    /// Bytes as a bare integer or with an IEC suffix (`KiB`, `MiB`, `GiB`, also `B`); must lie in `range`.
    static func size(_ text: String, in range: ClosedRange<Int> = 1...Int.max) -> Result<Int, ValueProblem> {
        let units: [(suffix: String, bytes: Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("B", 1)]
        let trimmed = text.trimmingWhitespace()
        let unit = units.first { trimmed.hasSuffix($0.suffix) }
        let digits = unit.map { String(trimmed.dropLast($0.suffix.count)).trimmingWhitespace() } ?? trimmed
        guard let count = Self.integer(digits) else {
            if isOverflowingInteger(digits) {
                return .failure(ValueProblem("size '\(YAMLNodeReader.clip(text))' is too large"))
            }
            return .failure(ValueProblem("expected \(sizeForms), found '\(YAMLNodeReader.clip(text))'"))
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: unit?.bytes ?? 1)
        guard !overflow, range.contains(bytes) else {
            return .failure(ValueProblem("size '\(text)' is out of range \(YAMLNodeReader.describe(range)) bytes"))
        }
        return .success(bytes)
    }

    /// ASCII digits with YAML-style `_` separators between them (`1_000`); nil for signs and other forms.
    static func integer(_ text: String) -> Int? {
        guard text.first?.isASCII == true, text.first?.isNumber == true, text.last != "_",
              text.allSatisfy({ $0 == "_" || ($0.isASCII && $0.isNumber) })
        else { return nil }
        return Int(text.replacing("_", with: ""))
    }

    /// Digits that `integer` refused only because they do not fit, so the message can say "too large".
    private static func isOverflowingInteger(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// A DNS host name (RFC 1123 labels) or a `*.` wildcard over one, as SNI names are matched.
    static func isServerName(_ name: String) -> Bool {
        let base = name.hasPrefix("*.") ? String(name.dropFirst(2)) : name
        guard !base.isEmpty, base.utf8.count <= 253 else { return false }
        return base.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    /// What a listener may bind: an IPv4 or IPv6 literal, or `localhost`.
    static func isBindableHost(_ host: String) -> Bool {
        host == "localhost" || isIPv4(host) || isIPv6(host)
    }

    /// Dotted quad with each part 0...255 and no leading zeros (which some parsers read as octal).
    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            (1...3).contains(part.count) && part.allSatisfy { $0.isASCII && $0.isNumber }
                && (part.count == 1 || part.first != "0") && Int(part)! <= 255
        }
    }

    /// RFC 4291 §2.2 text forms: eight hex groups, one `::` for a run of zeros, an optional IPv4 tail.
    static func isIPv6(_ text: String) -> Bool {
        guard text.contains(":"), !text.contains(":::") else { return false }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return false }
        var groups = 0
        for (index, half) in halves.enumerated() where !half.isEmpty {
            let parts = half.split(separator: ":", omittingEmptySubsequences: false)
            for (partIndex, part) in parts.enumerated() {
                let isLast = index == halves.count - 1 && partIndex == parts.count - 1
                if isLast && part.contains(".") {
                    guard isIPv4(String(part)) else { return false }
                    groups += 2
                } else {
                    guard (1...4).contains(part.count), part.allSatisfy(\.isHexDigit) else { return false }
                    groups += 1
                }
            }
        }
        return halves.count == 2 ? groups < 8 : groups == 8
    }

    /// A POSIX-style environment variable name as shells accept it: `[A-Z_][A-Z0-9_]*`.
    static func isEnvironmentVariableName(_ name: String) -> Bool {
        guard let first = name.first, first == "_" || (first.isASCII && first.isUppercase) else { return false }
        return name.allSatisfy { $0.isASCII && ($0 == "_" || $0.isUppercase || $0.isNumber) }
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
