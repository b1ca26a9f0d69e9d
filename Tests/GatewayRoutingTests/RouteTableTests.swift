import GatewayRouting
import Testing

@Suite struct RouteTableTests {
    static func table() throws -> RouteTable {
        RouteTable([
            Route(pattern: try RoutePattern("/events/special"), action: .health(.readiness)),
            Route(pattern: try RoutePattern("/events/{channel}"), action: .channel(try ParameterTemplate("{channel}"))),
            Route(pattern: try RoutePattern("/events/{other}"), action: .publish(try ParameterTemplate("{other}"))),
            Route(pattern: try RoutePattern("/healthz"), action: .health(.liveness)),
        ])
    }

    @Test(arguments: [
        ("/events/special", 0, [:]),
        ("/events/news", 1, ["channel": "news"]),
        ("/healthz", 3, [:]),
    ] as [(String, Int, [String: String])])
    func firstMatchWins(_ path: String, _ index: Int, _ parameters: [String: String]) throws {
        let table = try Self.table()
        let match = try #require(table.match(path: Substring(path)))
        #expect(match.routeIndex == index)
        #expect(match.route == table.routes[index])
        #expect(match.parameters == parameters)
    }

    @Test(arguments: ["/nothing", "/events", "/events/a/b", "/", ""])
    func noMatch(_ path: String) throws {
        #expect(try Self.table().match(path: Substring(path)) == nil)
    }

    @Test func emptyTableMatchesNothing() {
        #expect(RouteTable([]).match(path: "/") == nil)
    }
}
