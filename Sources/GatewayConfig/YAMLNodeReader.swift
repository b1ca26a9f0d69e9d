internal import Yams

/// Reads a composed YAML tree (`Yams.compose`) against the schema, recording every problem with the
/// position of the node it is about and carrying on, so one run reports all of a file's mistakes.
///
/// Maintainer note: we walk `Node`s rather than decode with `Codable` because Codable stops at the first
/// error, silently ignores unknown keys, and gives coding paths instead of positions.
/// Every read returns nil after recording a problem; callers fall back to the default and go on. Scalars are
/// interpreted here, never with Yams' `node.int` (its sexagesimal `1:2:3` parsing traps on overflow).
struct YAMLNodeReader {
    let fileName: String
    private(set) var problems: [ConfigurationProblem] = []

    init(fileName: String) {
        self.fileName = fileName
    }

    mutating func report(_ message: String, at node: Node?) {
        report(message, at: node?.mark)
    }

    /// Without a mark (the empty document) the problem is put at 1:1, which editors can still jump to.
    mutating func report(_ message: String, at mark: Mark?) {
        report(message, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    mutating func report(_ message: String, line: Int, column: Int) {
        problems.append(ConfigurationProblem(file: fileName, line: line, column: column, message: message))
    }

    // MARK: Mappings and lists

    /// `node` as a mapping whose keys are all among `keys`; unknown and non-string keys are reported.
    mutating func mapping(_ node: Node, path: String, keys: [String]) -> YAMLMapping? {
        guard case .mapping(let mapping) = node else {
            report("\(YAMLMapping.name(path)): expected a mapping, found \(Self.describe(node))", at: node)
            return nil
        }
        var values: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key, key.tagName != .null else {
                report("\(YAMLMapping.name(path)): keys must be plain strings, found \(Self.describe(key))", at: key)
                continue
            }
            guard keys.contains(scalar.string) else {
                let place = path.isEmpty ? "at the top level" : "in \(path)"
                report("unknown key '\(Self.clip(scalar.string))' \(place) (expected one of: \(keys.joined(separator: ", ")))",
                       at: key)
                continue
            }
            // Yams rejects duplicate keys while composing, so each known key arrives once.
            values[scalar.string] = (key, value)
        }
        return YAMLMapping(node: node, path: path, entries: values)
    }

    /// The section under `key`, or nil when absent. A null section (`history:` with nothing under it) reads
    /// as empty, so commenting out every line of a section leaves its defaults.
    mutating func section(_ parent: YAMLMapping, _ key: String, keys: [String]) -> YAMLMapping? {
        guard let node = parent[key] else { return nil }
        if node.tagName == .null, case .scalar = node {
            return YAMLMapping(node: node, path: parent.path(key), entries: [:])
        }
        return mapping(node, path: parent.path(key), keys: keys)
    }

    /// The list under `key`, or nil when absent (or not a list, which is reported). Null reads as empty.
    mutating func list(_ parent: YAMLMapping, _ key: String) -> [Node]? {
        guard let node = parent[key] else { return nil }
        switch node {
        case .sequence(let sequence): return Array(sequence)
        case .scalar where node.tagName == .null: return []
        default:
            report("\(parent.path(key)): expected a list, found \(Self.describe(node))", at: node)
            return nil
        }
    }

    /// Reports each of `keys` that `mapping` lacks, at the mapping's position.
    mutating func require(_ mapping: YAMLMapping, _ keys: String...) {
        for key in keys where mapping[key] == nil {
            report("\(YAMLMapping.name(mapping.path)): missing required key '\(key)'", at: mapping.node)
        }
    }

    // MARK: Scalars

    /// The scalar under `key` converted by `convert`, which returns an error message (without the path) or
    /// the value. Nil when absent or invalid.
    mutating func value<T>(
        _ parent: YAMLMapping, _ key: String, _ convert: (Node) -> Result<T, ValueProblem>
    ) -> T? {
        guard let node = parent[key] else { return nil }
        return value(node, path: parent.path(key), convert)
    }

    mutating func value<T>(_ node: Node, path: String, _ convert: (Node) -> Result<T, ValueProblem>) -> T? {
        switch convert(node) {
        case .success(let value): return value
        case .failure(let problem):
            report("\(path): \(problem.message)", at: node)
            return nil
        }
    }

    mutating func int(_ parent: YAMLMapping, _ key: String, in range: ClosedRange<Int>) -> Int? {
        value(parent, key) { Self.int($0, in: range) }
    }

    mutating func bool(_ parent: YAMLMapping, _ key: String) -> Bool? {
        value(parent, key, Self.bool)
    }

    mutating func string(_ parent: YAMLMapping, _ key: String) -> String? {
        value(parent, key, Self.string)
    }

    /// The name of the environment variable that holds a secret (`what`: "token", "password", …). The
    /// config names the variable, never holds the secret itself, so the file can be committed.
    mutating func environmentVariableName(_ parent: YAMLMapping, _ key: String, holding what: String) -> String? {
        value(parent, key) { node in
            Self.string(node).flatMap { name in
                ConfigValue.isEnvironmentVariableName(name)
                    ? .success(name)
                    : .failure(ValueProblem(
                        "'\(Self.clip(name))' is not an environment variable name ([A-Z_][A-Z0-9_]*); "
                            + "name the variable that holds the \(what), not the \(what)"))
            }
        }
    }

    mutating func duration(_ parent: YAMLMapping, _ key: String) -> Duration? {
        value(parent, key) { node in
            Self.text(node, expected: ConfigValue.durationForms).flatMap { ConfigValue.duration($0) }
        }
    }

    /// A duration that must lie in `range` (deadlines: too short ends honest clients, too long defends nothing).
    mutating func duration(_ parent: YAMLMapping, _ key: String, in range: ClosedRange<Duration>) -> Duration? {
        value(parent, key) { node in
            Self.text(node, expected: ConfigValue.durationForms).flatMap { text in
                ConfigValue.duration(text).flatMap { duration in
                    range.contains(duration)
                        ? .success(duration)
                        : .failure(ValueProblem(
                            "\(Self.clip(text)) is out of range \(range.lowerBound.components.seconds)s…\(range.upperBound.components.seconds)s"))
                }
            }
        }
    }

    mutating func size(_ parent: YAMLMapping, _ key: String, in range: ClosedRange<Int> = 1...Int.max) -> Int? {
        value(parent, key) { node in
            Self.text(node, expected: ConfigValue.sizeForms).flatMap { ConfigValue.size($0, in: range) }
        }
    }

    /// A fraction from 0 to 1, written `0.25` or `25%` (jitter amounts).
    mutating func fraction(_ parent: YAMLMapping, _ key: String) -> Double? {
        value(parent, key) { node in
            Self.text(node, expected: "a fraction from 0 to 1 (e.g. 0.25 or 25%)").flatMap { text in
                let percent = text.hasSuffix("%")
                let digits = percent ? String(text.dropLast()) : text
                guard digits.allSatisfy({ $0.isNumber || $0 == "." }), let number = Double(digits) else {
                    return .failure(ValueProblem("expected a fraction from 0 to 1 (e.g. 0.25 or 25%), found '\(Self.clip(text))'"))
                }
                let value = percent ? number / 100 : number
                guard (0...1).contains(value) else {
                    return .failure(ValueProblem("\(Self.clip(text)) is out of range 0...1"))
                }
                return .success(value)
            }
        }
    }

    /// A string that must be one of `choices` (an enum's raw values).
    mutating func choice(_ parent: YAMLMapping, _ key: String, _ choices: [String]) -> String? {
        value(parent, key) { node in
            Self.string(node).flatMap { text in
                choices.contains(text)
                    ? .success(text)
                    : .failure(ValueProblem(
                        "expected one of \(choices.joined(separator: ", ")), found '\(Self.clip(text))'"))
            }
        }
    }

    // MARK: Scalar conversions

    static func int(_ node: Node, in range: ClosedRange<Int>) -> Result<Int, ValueProblem> {
        guard case .scalar(let scalar) = node, node.tagName == .int else {
            return .failure(ValueProblem("expected an integer, found \(describe(node))"))
        }
        // Decimal only (with YAML's `_` separators): YAML 1.1's hex, octal and `1:30` sexagesimal integers in a
        // config are more likely mistakes than intent.
        let text = scalar.string
        let negative = text.hasPrefix("-")
        let digits = negative || text.hasPrefix("+") ? String(text.dropFirst()) : text
        guard digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") }) else {
            return .failure(ValueProblem("expected a decimal integer, found '\(clip(text))'"))
        }
        guard let magnitude = ConfigValue.integer(digits), range.contains(negative ? -magnitude : magnitude) else {
            return .failure(ValueProblem("\(clip(text)) is out of range \(describe(range))"))
        }
        return .success(negative ? -magnitude : magnitude)
    }

    static func bool(_ node: Node) -> Result<Bool, ValueProblem> {
        guard case .scalar(let scalar) = node, node.tagName == .bool else {
            return .failure(ValueProblem("expected true or false, found \(describe(node))"))
        }
        return .success(["true", "yes", "on"].contains(scalar.string.lowercased()))
    }

    /// Any non-null scalar's text: `name: 1` is the name "1". Quoting is only needed where YAML would
    /// otherwise read a mapping or a list.
    static func string(_ node: Node) -> Result<String, ValueProblem> {
        guard case .scalar(let scalar) = node, node.tagName != .null else {
            return .failure(ValueProblem("expected a string, found \(describe(node))"))
        }
        return .success(scalar.string)
    }

    /// A scalar's text for values with their own syntax (durations, sizes), whatever YAML resolved it to.
    static func text(_ node: Node, expected: String) -> Result<String, ValueProblem> {
        guard case .scalar(let scalar) = node, node.tagName != .null else {
            return .failure(ValueProblem("expected \(expected), found \(describe(node))"))
        }
        return .success(scalar.string)
    }

    // MARK: Describing what was found

    /// What a node is, for "expected …, found …" messages.
    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            let text = clip(scalar.string)
            switch node.tagName {
            case .null: return "nothing (null)"
            case .bool: return "boolean '\(text)'"
            case .int: return "integer '\(text)'"
            case .float: return "number '\(text)'"
            default: return "string '\(text)'"
            }
        }
    }

    static func describe(_ range: ClosedRange<Int>) -> String {
        range.upperBound == Int.max ? "\(range.lowerBound) or more" : "\(range.lowerBound)...\(range.upperBound)"
    }

    /// Long values (a pasted certificate, fuzz input) would drown the message.
    static func clip(_ text: String) -> String {
        let flat = text.replacing("\n", with: "\\n")
        return flat.count > 60 ? flat.prefix(57) + "..." : flat
    }
}

/// A checked mapping: known keys only, each with its key and value node.
struct YAMLMapping {
    let node: Node
    /// Where this mapping sits, `""` for the root, else like `listeners[0]`.
    let path: String
    let entries: [String: (key: Node, value: Node)]

    subscript(key: String) -> Node? { entries[key]?.value }

    /// The key path of a child, for messages: `listeners[0].port`.
    func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The mapping's own name for messages.
    static func name(_ path: String) -> String { path.isEmpty ? "the configuration" : path }
}

/// What is wrong with one value, before the reader adds the key path and position.
struct ValueProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

extension Node {
    /// The resolved tag (`!!str`, `!!int`, `!!null`…): Yams keeps `Tag.name` internal but exposes its raw value.
    var tagName: Tag.Name { Tag.Name(rawValue: tag.rawValue) }
}
