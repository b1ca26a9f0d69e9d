import GatewayConfig
import GatewayRouting
import Testing

/// `static:`, `rate_limit:` and `anonymous:` routes: what they read into, and each mistake at its position.
@Suite struct StaticRouteConfigurationTests {
    private func routes(_ yaml: String) throws -> [RouteConfiguration] {
        try GatewayConfiguration.parse(yaml: "routes:\n" + yaml, fileName: "t.yaml").routes
    }

    /// The problems of a config that must fail, as `line:column: message` lines.
    private func problems(_ yaml: String) -> String {
        do {
            _ = try GatewayConfiguration.parse(yaml: "routes:\n" + yaml, fileName: "t.yaml")
            return "parsed without problems"
        } catch {
            return error.problems.map { "\($0.line):\($0.column): \($0.message)" }.joined(separator: "\n")
        }
    }

    @Test func shortAndLongFormsOfStatic() throws {
        let parsed = try routes("""
          - path: /
            static: www
          - path: /assets/{file}
            static: {directory: /srv/site, index: home.html}
        """)
        #expect(parsed[0].route.action == .staticFiles(StaticRoute(directory: "www")))
        #expect(parsed[1].route.action == .staticFiles(StaticRoute(directory: "/srv/site", index: "home.html")))
    }

    @Test func staticMistakesArePositioned() {
        #expect(problems("  - path: /a/{x}/{y}\n    static: www\n").contains("2:11: routes[0].static: a static route's path has at most one parameter"))
        #expect(problems("  - path: /{x}/a\n    static: www\n").contains("2:11: routes[0].static: a static route's path has at most one parameter"))
        #expect(problems("  - path: /\n    static: {index: a.html}\n").contains("3:13: routes[0].static: missing required key 'directory'"))
        #expect(problems("  - path: /\n    static: {directory: w, index: ../x}\n").contains("3:35: routes[0].static.index: expected a file name"))
        #expect(problems("  - path: /\n    static: {directory: w, index: .env}\n").contains("routes[0].static.index: expected a file name"))
        #expect(problems("  - path: /\n    static: {directory: w, gzip: true}\n").contains("3:28: unknown key 'gzip' in routes[0].static"))
        #expect(problems("  - path: /\n    static: w\n    heartbeat: 5s\n").contains("4:5: routes[0].heartbeat: only channel and upstream routes take 'heartbeat'"))
        #expect(problems("  - path: /\n    static: w\n    history: {count: 1}\n").contains("4:5: routes[0].history: only channel and publish routes take 'history'"))
    }

    @Test func rateLimitAndAnonymousPublish() throws {
        let parsed = try routes("""
          - path: /demo/publish/{channel}
            publish: "demo:{channel}"
            anonymous: true
            rate_limit: {requests: 30, per: 1m}
        """)
        #expect(parsed[0].anonymous)
        #expect(parsed[0].rateLimit == RouteRateLimit(requests: 30, period: .seconds(60)))
        #expect(try routes("  - path: /p/{c}\n    publish: \"{c}\"\n")[0].anonymous == false)
    }

    @Test func rateLimitAndAnonymousMistakesArePositioned() {
        #expect(problems("  - path: /p/{c}\n    publish: \"{c}\"\n    anonymous: true\n")
            .contains("4:5: routes[0].anonymous: an anonymous publish route needs a rate_limit"))
        #expect(problems("  - path: /e/{c}\n    channel: \"{c}\"\n    anonymous: true\n    rate_limit: {requests: 1, per: 1s}\n")
            .contains("4:5: routes[0].anonymous: only publish routes take 'anonymous'"))
        #expect(problems("  - path: /p/{c}\n    publish: \"{c}\"\n    rate_limit: {requests: 1}\n")
            .contains("4:17: routes[0].rate_limit: missing required key 'per'"))
        #expect(problems("  - path: /p/{c}\n    publish: \"{c}\"\n    rate_limit: {requests: 0, per: 1s}\n")
            .contains("4:28: routes[0].rate_limit.requests: 0 is out of range 1...1000000"))
    }
}
