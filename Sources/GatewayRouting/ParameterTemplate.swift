/// A channel-name template such as `"{channel}"` or `"user:{sub}"`: literal text with `{name}` holes filled
/// from the route's path parameters.
public struct ParameterTemplate: Sendable, Hashable, CustomStringConvertible {
    typealias Part = PatternPart

    public let description: String
    let parts: [Part]

    /// Names used by the template, so the config can check each is a parameter of the route's path.
    public var parameterNames: [String] {
        parts.parameterNames
    }

    public init(_ text: String) throws(RoutePatternError) {
        var parts: [Part] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            if rest[..<open].contains("}") { throw RoutePatternError("'}' without a matching '{' in '\(text)'") }
            if open > rest.startIndex { parts.append(.literal(String(rest[..<open]))) }
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw RoutePatternError("'{' without a matching '}' in '\(text)'")
            }
            let name = rest[rest.index(after: open)..<close]
            // The same rule as `RoutePattern` parameter names, so every valid path parameter can be used here.
            guard PatternPart.isParameterName(name) else {
                throw RoutePatternError("'{\(name)}' is not a parameter name in '\(text)'")
            }
            parts.append(.parameter(String(name)))
            rest = rest[rest.index(after: close)...]
        }
        if rest.contains("}") { throw RoutePatternError("'}' without a matching '{' in '\(text)'") }
        if !rest.isEmpty { parts.append(.literal(String(rest))) }
        guard !parts.isEmpty else { throw RoutePatternError("a channel template cannot be empty") }
        self.description = text
        self.parts = parts
    }

    /// Fills the holes; nil if a parameter is missing.
    public func expand(_ parameters: [String: String]) -> String? {
        var result = ""
        for part in parts {
            switch part {
            case .literal(let text): result += text
            case .parameter(let name):
                guard let value = parameters[name] else { return nil }
                result += value
            }
        }
        return result
    }
}
