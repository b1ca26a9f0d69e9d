/// One piece of a path pattern (a segment of `RoutePattern`) or of a channel template (a part of
/// `ParameterTemplate`): literal text, or a `{name}` hole filled from the request.
enum PatternPart: Sendable, Hashable {
    case literal(String)
    case parameter(String)

    /// The rule for `{name}` in paths and templates alike, so every path parameter can be used in a
    /// template: letters, digits and `_`, not starting with a digit, not empty.
    static func isParameterName(_ name: some StringProtocol) -> Bool {
        !name.isEmpty && name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) && name.first?.isNumber == false
    }
}

extension Array where Element == PatternPart {
    /// The names of the holes, in order of appearance.
    var parameterNames: [String] {
        self.compactMap { if case .parameter(let name) = $0 { name } else { nil } }
    }
}
