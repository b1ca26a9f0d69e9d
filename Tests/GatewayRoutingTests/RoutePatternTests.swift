import GatewayRouting
import Testing

@Suite struct RoutePatternTests {
    struct MatchCase: CustomTestStringConvertible, Sendable {
        var pattern: String
        var path: String
        /// Nil: no match.
        var parameters: [String: String]?
        var testDescription: String { "\(pattern) ~ \(path)" }
    }

    static let matchCases: [MatchCase] = [
        // Literals.
        MatchCase(pattern: "/healthz", path: "/healthz", parameters: [:]),
        MatchCase(pattern: "/healthz", path: "/healthy", parameters: nil),
        MatchCase(pattern: "/healthz", path: "/Healthz", parameters: nil),
        MatchCase(pattern: "/", path: "/", parameters: [:]),
        MatchCase(pattern: "/", path: "/a", parameters: nil),
        MatchCase(pattern: "/a/b", path: "/a/b", parameters: [:]),
        MatchCase(pattern: "/a/b", path: "/a", parameters: nil),
        MatchCase(pattern: "/a", path: "a", parameters: nil),
        MatchCase(pattern: "/a", path: "", parameters: nil),
        // A percent-encoded literal is the same literal (RFC 3986 §6.2.2.2).
        MatchCase(pattern: "/events/{c}", path: "/%65vents/x", parameters: ["c": "x"]),
        MatchCase(pattern: "/caf%C3%A9", path: "/café", parameters: [:]),
        MatchCase(pattern: "/café", path: "/caf%C3%A9", parameters: [:]),
        // Parameters.
        MatchCase(pattern: "/events/{channel}", path: "/events/news", parameters: ["channel": "news"]),
        MatchCase(pattern: "/u/{sub}/events", path: "/u/42/events", parameters: ["sub": "42"]),
        MatchCase(pattern: "/{a}/{b}", path: "/x/y", parameters: ["a": "x", "b": "y"]),
        MatchCase(pattern: "/prices/{symbol}", path: "/prices/a:b.c-d_e~f", parameters: ["symbol": "a:b.c-d_e~f"]),
        // Percent-decoding of parameters; `+` is not a space in a path; malformed escapes never match.
        MatchCase(pattern: "/events/{c}", path: "/events/a%20b", parameters: ["c": "a b"]),
        MatchCase(pattern: "/events/{c}", path: "/events/caf%C3%A9", parameters: ["c": "café"]),
        MatchCase(pattern: "/events/{c}", path: "/events/a+b", parameters: ["c": "a+b"]),
        MatchCase(pattern: "/events/{c}", path: "/events/a%2Fb", parameters: ["c": "a/b"]),
        MatchCase(pattern: "/events/{c}", path: "/events/%zz", parameters: nil),
        MatchCase(pattern: "/events/{c}", path: "/events/%4", parameters: nil),
        MatchCase(pattern: "/events/{c}", path: "/events/%FF", parameters: nil),
        // A parameter never spans a `/`.
        MatchCase(pattern: "/events/{c}", path: "/events/a/b", parameters: nil),
        // Trailing slash and empty segments are not normalised away.
        MatchCase(pattern: "/events/{c}", path: "/events/a/", parameters: nil),
        MatchCase(pattern: "/events/{c}", path: "/events/", parameters: nil),
        MatchCase(pattern: "/events/{c}", path: "/events", parameters: nil),
        MatchCase(pattern: "/events/{c}", path: "//events/a", parameters: nil),
        MatchCase(pattern: "/a/b", path: "/a//b", parameters: nil),
        MatchCase(pattern: "/healthz", path: "/healthz/", parameters: nil),
    ]

    @Test(arguments: matchCases)
    func match(_ test: MatchCase) throws {
        let pattern = try RoutePattern(test.pattern)
        #expect(pattern.match(Substring(test.path)) == test.parameters)
    }

    struct InvalidCase: CustomTestStringConvertible, Sendable {
        var pattern: String
        var fragment: String
        var testDescription: String { pattern }
    }

    static let invalidCases: [InvalidCase] = [
        InvalidCase(pattern: "", fragment: "must start with '/'"),
        InvalidCase(pattern: "events/{x}", fragment: "must start with '/'"),
        InvalidCase(pattern: "/a/{x}b", fragment: "a parameter must be a whole path segment"),
        InvalidCase(pattern: "/a/b{x}", fragment: "a parameter must be a whole path segment"),
        InvalidCase(pattern: "/a/{x", fragment: "a parameter must be a whole path segment"),
        InvalidCase(pattern: "/{}", fragment: "a parameter needs a name"),
        InvalidCase(pattern: "/{1x}", fragment: "must be letters, digits or '_'"),
        InvalidCase(pattern: "/{a-b}", fragment: "must be letters, digits or '_'"),
        InvalidCase(pattern: "/{x}/{x}", fragment: "appears twice"),
        InvalidCase(pattern: "/a/", fragment: "empty path segment"),
        InvalidCase(pattern: "//a", fragment: "empty path segment"),
        InvalidCase(pattern: "/a//b", fragment: "empty path segment"),
        InvalidCase(pattern: "/a?b=1", fragment: "cannot contain '?'"),
        InvalidCase(pattern: "/a#top", fragment: "cannot contain '#'"),
        InvalidCase(pattern: "/a b", fragment: "whitespace"),
        InvalidCase(pattern: "/a\u{0}", fragment: "control characters"),
        InvalidCase(pattern: "/100%", fragment: "malformed percent-escape"),
    ]

    @Test(arguments: invalidCases)
    func invalid(_ test: InvalidCase) {
        let error = #expect(throws: RoutePatternError.self) { try RoutePattern(test.pattern) }
        #expect(error?.description.contains(test.fragment) == true, "\(String(describing: error))")
    }

    @Test func parameterNamesInOrder() throws {
        #expect(try RoutePattern("/{b}/x/{a}").parameterNames == ["b", "a"])
        #expect(try RoutePattern("/x").parameterNames == [])
    }
}
