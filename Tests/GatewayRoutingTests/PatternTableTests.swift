import GatewayRouting
import Testing

/// The table the application keeps its compiled responders in: first match wins, parameters decoded.
@Suite struct PatternTableTests {
    @Test func firstMatchingEntryWinsWithItsParameters() throws {
        let table = PatternTable([
            (try RoutePattern("/events/special"), "special"),
            (try RoutePattern("/events/{channel}"), "channel"),
            (try RoutePattern("/events/{other}"), "never"),
        ])
        #expect(table.match(path: "/events/special")?.target == "special")
        let match = try #require(table.match(path: "/events/a%20b"))
        #expect(match.target == "channel")
        #expect(match.parameters == ["channel": "a b"])
        #expect(table.match(path: "/events") == nil)
        #expect(table.match(path: "events/x") == nil)
    }
}
