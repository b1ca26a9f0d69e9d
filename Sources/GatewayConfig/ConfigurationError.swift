/// Everything wrong with a configuration file, found in one pass so a user can fix all of it at once.
///
/// A struct over a list rather than an enum of cases: the set of checks grows with the schema, and callers
/// (`ssegate check-config`, reload) only print or log the problems.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The problems, sorted by file, line and column.
    public var problems: [ConfigurationProblem]

    public init(problems: [ConfigurationProblem]) {
        self.problems = Array(Set(problems)).sorted()
    }

    /// One problem per line, in the `file:line:column: error: message` form editors and CI understand.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}

/// One problem at one position of a configuration file.
public struct ConfigurationProblem: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The file name as given to `load(contentsOf:)` or `parse(yaml:fileName:)`.
    public var file: String
    /// 1-based line; 0 when the problem is about the file as a whole (it cannot be read).
    public var line: Int
    /// 1-based column in Unicode scalars (as libyaml counts); 0 with `line` 0.
    public var column: Int
    /// What is wrong, naming the key path (`listeners[0].port`) and what was expected.
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `conf/ssegate.yaml:12:5: error: unknown key 'prot' in listeners[0] (expected one of: …)`; without the
    /// position when there is none.
    public var description: String {
        line > 0 ? "\(file):\(line):\(column): error: \(message)" : "\(file): error: \(message)"
    }

    public static func < (lhs: ConfigurationProblem, rhs: ConfigurationProblem) -> Bool {
        (lhs.file, lhs.line, lhs.column, lhs.message) < (rhs.file, rhs.line, rhs.column, rhs.message)
    }
}
