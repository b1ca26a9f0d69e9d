import GatewayConfig
import Testing

/// Each bad file yields a problem at an exact line:column with a message that says what is wrong.
@Suite struct ConfigurationErrorTests {
    /// A valid route, appended where a case is about something else, so `routes` is not what fails.
    static let route = "routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n"

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var yaml: String
        var line: Int
        var column: Int
        var fragment: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "syntax error", yaml: "routes: [\n  - a\n", line: 2, column: 3, fragment: "YAML syntax error"),
        Case(name: "tab indentation", yaml: "logging:\n\tlevel: info\n", line: 2, column: 1, fragment: "YAML syntax error"),
        Case(name: "unknown top-level key", yaml: "prot: 1\n" + route, line: 1, column: 1,
             fragment: "unknown key 'prot' at the top level (expected one of: listeners, tls, http2"),
        Case(
            name: "unknown nested key",
            yaml: "listeners:\n  - name: a\n    host: 127.0.0.1\n    port: 8080\n    tls: false\n    prot: 2\n" + route,
            line: 6, column: 5,
            fragment: "unknown key 'prot' in listeners[0] (expected one of: name, host, port, tls, trusted, hsts, max_connections, max_connections_per_ip, handshakes_per_second_per_ip, handshake_burst_per_ip)"),
        Case(name: "wrong type", yaml: "listeners:\n  - host: 127.0.0.1\n    port: \"abc\"\n    tls: false\n" + route,
             line: 3, column: 11, fragment: "listeners[0].port: expected an integer, found string 'abc'"),
        Case(name: "quoted number is a string", yaml: "listeners:\n  - host: 127.0.0.1\n    port: \"80\"\n    tls: false\n" + route,
             line: 3, column: 11, fragment: "expected an integer, found string '80'"),
        Case(name: "port out of range", yaml: "listeners:\n  - host: 127.0.0.1\n    port: 70000\n    tls: false\n" + route,
             line: 3, column: 11, fragment: "listeners[0].port: 70000 is out of range 0...65535"),
        Case(name: "hexadecimal integer", yaml: "http2:\n  max_header_count: 0x10\n" + route, line: 2, column: 21,
             fragment: "http2.max_header_count: expected a decimal integer, found '0x10'"),
        Case(name: "huge integer", yaml: "limits:\n  max_connections: 99999999999999999999\n" + route, line: 2,
             column: 20, fragment: "limits.max_connections: 99999999999999999999 is out of range 1...2147483647"),
        Case(name: "negative integer", yaml: "limits:\n  max_connections_per_ip: -1\n" + route, line: 2, column: 27,
             fragment: "limits.max_connections_per_ip: -1 is out of range 0...2147483647"),
        Case(name: "bool expected", yaml: "listeners:\n  - host: 127.0.0.1\n    port: 80\n    tls: maybe\n" + route,
             line: 4, column: 10, fragment: "listeners[0].tls: expected true or false, found string 'maybe'"),
        Case(name: "missing required key", yaml: "listeners:\n  - port: 80\n    tls: false\n" + route,
             line: 2, column: 5, fragment: "listeners[0]: missing required key 'host'"),
        Case(name: "bad host", yaml: "listeners:\n  - host: \"[::1]\"\n    port: 80\n    tls: false\n" + route,
             line: 2, column: 11, fragment: "is not an IPv4 or IPv6 literal or 'localhost'"),
        Case(name: "bad duration", yaml: "streams:\n  heartbeat: 15x\n" + route, line: 2, column: 14,
             fragment: "streams.heartbeat: expected a duration such as 250ms"),
        Case(name: "negative duration", yaml: "streams:\n  retry: -1s\n" + route, line: 2, column: 10,
             fragment: "streams.retry: expected a duration"),
        Case(name: "zero duration", yaml: "http2:\n  idle_timeout: 0s\n" + route, line: 2, column: 17,
             fragment: "a duration must be greater than zero"),
        Case(name: "deadline too short", yaml: "limits:\n  request_head_timeout: 500ms\n" + route, line: 2, column: 25,
             fragment: "limits.request_head_timeout: 500ms is out of range 1s…600s"),
        Case(name: "stall timeout too long", yaml: "streams:\n  stall_timeout: 2h\n" + route, line: 2, column: 18,
             fragment: "streams.stall_timeout: 2h is out of range 1s…3600s"),
        Case(name: "bad size", yaml: "history:\n  bytes: 10KB\n" + route, line: 2, column: 10,
             fragment: "history.bytes: expected a size such as 65536 (bytes), 64KiB"),
        Case(name: "zero size", yaml: "publish:\n  max_body: 0\n" + route, line: 2, column: 13,
             fragment: "is out of range 1 or more bytes"),
        Case(name: "section of the wrong type", yaml: "tls: 5\n" + route, line: 1, column: 6,
             fragment: "tls: expected a mapping, found integer '5'"),
        Case(name: "list of the wrong type", yaml: "listeners: {a: 1}\n" + route, line: 1, column: 12,
             fragment: "listeners: expected a list, found a mapping"),
        Case(name: "root is not a mapping", yaml: "- a\n- b\n", line: 1, column: 1,
             fragment: "the configuration: expected a mapping, found a list"),
        Case(name: "empty file", yaml: "", line: 1, column: 1, fragment: "the configuration is empty"),
        Case(name: "no routes", yaml: "logging:\n  level: info\n", line: 1, column: 1,
             fragment: "missing required key 'routes'"),
        Case(name: "empty routes", yaml: "routes: []\n", line: 1, column: 9, fragment: "at least one route is required"),
        Case(name: "duplicate key", yaml: "logging:\n  level: info\n  level: debug\n" + route, line: 2, column: 3,
             fragment: "duplicate key 'level'"),
        Case(name: "route with two actions", yaml: "routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n    publish: \"{c}\"\n",
             line: 2, column: 5, fragment: "routes[0] has more than one action (channel, publish)"),
        Case(name: "route with no action", yaml: "routes:\n  - path: /e\n", line: 2, column: 5,
             fragment: "routes[0] has no action (expected exactly one of: channel, publish, health, upstream, static, metrics, admin)"),
        Case(name: "template parameter not in path",
             yaml: "routes:\n  - path: /events/{channel}\n    channel: \"{chan}\"\n", line: 3, column: 14,
             fragment: "'{chan}' is not a parameter of path '/events/{channel}'"),
        Case(name: "bad template", yaml: "routes:\n  - path: /e/{c}\n    publish: \"a}{c}\"\n", line: 3, column: 14,
             fragment: "invalid channel template: '}' without a matching '{'"),
        Case(name: "pattern without leading slash", yaml: "routes:\n  - path: events/{x}\n    channel: \"{x}\"\n",
             line: 2, column: 11, fragment: "a route path must start with '/'"),
        Case(name: "parameter not a whole segment", yaml: "routes:\n  - path: /a/{x}b\n    channel: \"{x}\"\n",
             line: 2, column: 11, fragment: "a parameter must be a whole path segment"),
        Case(name: "bad health check", yaml: "routes:\n  - path: /h\n    health: deep\n", line: 3, column: 13,
             fragment: "routes[0].health: expected one of liveness, readiness, found 'deep'"),
        Case(name: "heartbeat on a publish route",
             yaml: "routes:\n  - path: /p/{c}\n    publish: \"{c}\"\n    heartbeat: 5s\n", line: 4, column: 5,
             fragment: "routes[0].heartbeat: only channel and upstream routes take 'heartbeat'"),
        Case(
            name: "duplicate listener name",
            yaml: "listeners:\n  - name: a\n    host: 127.0.0.1\n    port: 1\n    tls: false\n"
                + "  - name: a\n    host: 127.0.0.1\n    port: 2\n    tls: false\n" + route,
            line: 6, column: 11, fragment: "listeners[1]: listener name 'a' is already used by listeners[0]"),
        Case(
            name: "duplicate address",
            yaml: "listeners:\n  - host: ::1\n    port: 9\n    tls: false\n  - name: b\n    host: ::1\n    port: 9\n    tls: false\n"
                + route,
            line: 7, column: 11, fragment: "listeners[1]: ::1:9 is already used by listeners[0]"),
        Case(name: "duplicate route path",
             yaml: route + "  - path: /e/{d}\n    publish: \"{d}\"\n", line: 4, column: 11,
             fragment: "routes[1].path: '/e/{d}' matches the same requests as routes[0]"),
        Case(name: "route hidden by an earlier one",
             yaml: route + "  - path: /e/special\n    health: liveness\n", line: 4, column: 11,
             fragment: "routes[1].path: '/e/special' is hidden by routes[0], which matches every request it does"),
        Case(name: "TLS listener without certificates",
             yaml: "listeners:\n  - host: 0.0.0.0\n    port: 443\n    tls: true\ntls:\n  certificates: []\n" + route,
             line: 4, column: 10, fragment: "listener '0.0.0.0:443' has tls: true but tls.certificates is empty"),
        Case(name: "default TLS listener without certificates", yaml: "tls:\n  certificates: []\n" + route,
             line: 2, column: 17, fragment: "listener 'public' has tls: true but tls.certificates is empty"),
        Case(name: "certificate without key", yaml: "tls:\n  certificates:\n    - certificate: a.pem\n" + route,
             line: 3, column: 7, fragment: "tls.certificates[0]: missing required key 'key'"),
        Case(name: "bad server name",
             yaml: "tls:\n  certificates:\n    - certificate: a.pem\n      key: a.key\n      server_names: [\"-x-.com\"]\n"
                + route,
             line: 5, column: 22, fragment: "'-x-.com' is not a host name or a wildcard like '*.example.com'"),
        Case(name: "server name on two certificates",
             yaml: "tls:\n  certificates:\n    - {certificate: a, key: b, server_names: [a.io]}\n"
                + "    - {certificate: c, key: d, server_names: [A.io]}\n" + route,
             line: 4, column: 47, fragment: "server name 'a.io' is already served by tls.certificates[0]"),
        Case(name: "bad token variable name", yaml: "publish:\n  token_env: s3cret-token\n" + route, line: 2, column: 14,
             fragment: "is not an environment variable name"),
        Case(name: "bad log level", yaml: "logging:\n  level: verbose\n" + route, line: 2, column: 10,
             fragment: "logging.level: expected one of trace, debug, info, notice, warning, error, critical"),
        Case(name: "non-string key", yaml: "logging:\n  [a]: 1\n" + route, line: 2, column: 3,
             fragment: "logging: keys must be plain strings, found a list"),
    ]

    @Test(arguments: cases)
    func reportsAtThePosition(_ test: Case) throws {
        let error = #expect(throws: ConfigurationError.self) {
            try GatewayConfiguration.parse(yaml: test.yaml, fileName: "conf/test.yaml")
        }
        let problems = try #require(error?.problems)
        let matching = problems.filter { $0.message.contains(test.fragment) }
        #expect(matching.count == 1, "\(problems)")
        if let problem = matching.first {
            #expect("\(problem.line):\(problem.column)" == "\(test.line):\(test.column)", "\(problem)")
            #expect(problem.file == "conf/test.yaml")
        }
    }

    @Test func specificRouteBeforeAGeneralOneIsFine() throws {
        let yaml = "routes:\n  - path: /e/special\n    health: liveness\n  - path: /e/{c}\n    channel: \"{c}\"\n"
        let configuration = try GatewayConfiguration.parse(yaml: yaml, fileName: "x")
        #expect(configuration.routeTable.match(path: "/e/special")?.routeIndex == 0)
        #expect(configuration.routeTable.match(path: "/e/other")?.routeIndex == 1)
    }

    @Test func severalProblemsAreReportedTogetherInOrder() throws {
        let yaml = """
            listeners:
              - host: 127.0.0.1
                port: 70000
                tls: false
                prot: 2
            streams:
              heartbeat: soon
            routes:
              - path: /a/{x}b
                channel: "{x}"
              - path: /b
            """
        let error = #expect(throws: ConfigurationError.self) {
            try GatewayConfiguration.parse(yaml: yaml, fileName: "conf/ssegate.yaml")
        }
        let lines = try #require(error?.description).split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(lines)")
        #expect(lines.map { $0.prefix(while: { $0 != " " }) } == [
            "conf/ssegate.yaml:3:11:", "conf/ssegate.yaml:5:5:", "conf/ssegate.yaml:7:14:",
            "conf/ssegate.yaml:9:11:", "conf/ssegate.yaml:11:5:",
        ])
        #expect(lines[1] == "conf/ssegate.yaml:5:5: error: unknown key 'prot' in listeners[0] "
            + "(expected one of: name, host, port, tls, trusted, hsts, max_connections, max_connections_per_ip, handshakes_per_second_per_ip, handshake_burst_per_ip)")
    }
}
