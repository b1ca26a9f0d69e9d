import GatewayConfig
import GatewayRouting
import Testing

/// `upstream:` routes and the `upstreams:` section: every option arrives, mistakes are reported in place.
struct UpstreamConfigurationTests {
    @Test func everyOptionArrives() throws {
        let yaml = """
            upstreams:
              max_connections: 12
              max_per_client_ip: 3
              max_url_length: 512
            routes:
              - path: /prices/{symbol}
                heartbeat: 5s
                upstream:
                  url: https://origin.example/stream?symbol={symbol}&depth={depth}
                  mode: per_client
                  forward_headers: [Authorization, cookie]
                  ca_file: certs/origin-ca.pem
                  connect_timeout: 2s
                  read_timeout: 90s
                  max_event_size: 64KiB
                  reconnect: { initial: 250ms, max: 10s }
              - path: /shared
                upstream:
                  url: http://127.0.0.1:9000/all
                  idle_timeout: 1m
                  always_on: true
              - path: /short
                upstream: http://127.0.0.1:9000/short
            """
        let configuration = try GatewayConfiguration.parse(yaml: yaml, fileName: "test.yaml")
        #expect(configuration.upstreams.maxConnections == 12)
        #expect(configuration.upstreams.maxPerClientIP == 3)
        #expect(configuration.upstreams.maxURLLength == 512)
        guard case .upstream(let route) = configuration.routes[0].route.action,
              case .upstream(let shared) = configuration.routes[1].route.action,
              case .upstream(let short) = configuration.routes[2].route.action
        else {
            Issue.record("not upstream routes: \(configuration.routes)")
            return
        }
        #expect(configuration.routes[0].heartbeat == .seconds(5))
        #expect(route.url.description == "https://origin.example/stream?symbol={symbol}&depth={depth}")
        #expect(route.mode == .perClient)
        #expect(route.forwardHeaders == ["authorization", "cookie"])
        #expect(route.caFile == "certs/origin-ca.pem")
        #expect(route.connection.connectTimeout == .seconds(2))
        #expect(route.connection.readTimeout == .seconds(90))
        #expect(route.connection.maxEventBytes == 64 * 1024)
        #expect(route.connection.reconnectInitial == .milliseconds(250))
        #expect(route.connection.reconnectMaximum == .seconds(10))
        #expect(shared.mode == .shared && shared.idleTimeout == .seconds(60) && shared.alwaysOn)
        #expect(short == UpstreamRoute(url: try UpstreamURLTemplate("http://127.0.0.1:9000/short")))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var yaml: String
        var line: Int
        var column: Int
        var fragment: String
        var testDescription: String { name }
    }

    static func route(_ upstream: String) -> String {
        "routes:\n  - path: /p/{s}\n    upstream:\n" + upstream
    }

    static let cases: [Case] = [
        Case(name: "bad scheme", yaml: route("      url: ftp://h/{s}\n"), line: 4, column: 12,
             fragment: "routes[0].upstream.url: invalid upstream URL 'ftp://h/{s}': an upstream URL must start with http:// or https://"),
        Case(name: "parameter in the host", yaml: route("      url: http://{s}.example/\n"), line: 4, column: 12,
             fragment: "not in its host or port"),
        Case(name: "unknown key", yaml: route("      url: http://h/\n      retries: 3\n"), line: 5, column: 7,
             fragment: "unknown key 'retries' in routes[0].upstream"),
        Case(name: "missing url", yaml: route("      mode: shared\n"), line: 4, column: 7,
             fragment: "routes[0].upstream: missing required key 'url'"),
        Case(name: "bad mode", yaml: route("      url: http://h/\n      mode: fanout\n"), line: 5, column: 13,
             fragment: "expected one of shared, per_client, found 'fanout'"),
        Case(name: "forwarding on a shared upstream", yaml: route("      url: http://h/\n      forward_headers: [authorization]\n"),
             line: 5, column: 7, fragment: "only per_client upstreams forward client headers"),
        Case(name: "hop-by-hop header", yaml: route("      url: http://h/\n      mode: per_client\n      forward_headers: [Connection]\n"),
             line: 6, column: 25, fragment: "'connection' is set by the gateway itself"),
        Case(name: "reconnect max below initial", yaml: route("      url: http://h/\n      reconnect: { initial: 5s, max: 1s }\n"),
             line: 5, column: 18, fragment: "reconnect.max must be at least"),
        Case(name: "ca_file for http", yaml: route("      url: http://h/\n      ca_file: ca.pem\n"), line: 5, column: 7,
             fragment: "only https origins use a CA file"),
        Case(name: "zero timeout", yaml: route("      url: http://h/\n      read_timeout: 0s\n"), line: 5, column: 21,
             fragment: "read_timeout: a duration must be greater than zero"),
        Case(name: "tiny event size", yaml: route("      url: http://h/\n      max_event_size: 1\n"), line: 5, column: 23,
             fragment: "max_event_size"),
        Case(name: "bad global limit", yaml: "upstreams:\n  max_connections: 0\n" + route("      url: http://h/\n"), line: 2, column: 20,
             fragment: "upstreams.max_connections"),
        Case(name: "zero per-address limit", yaml: "upstreams:\n  max_per_client_ip: 0\n" + route("      url: http://h/\n"), line: 2, column: 22,
             fragment: "upstreams.max_per_client_ip"),
        Case(name: "tiny URL limit", yaml: "upstreams:\n  max_url_length: 10\n" + route("      url: http://h/\n"), line: 2, column: 19,
             fragment: "upstreams.max_url_length"),
    ]

    @Test(arguments: cases)
    func reportsAtThePosition(_ test: Case) throws {
        let error = #expect(throws: ConfigurationError.self) {
            try GatewayConfiguration.parse(yaml: test.yaml, fileName: "test.yaml")
        }
        let problems = try #require(error?.problems)
        let matching = problems.filter { $0.message.contains(test.fragment) }
        #expect(matching.count == 1, "\(problems)")
        if let problem = matching.first {
            #expect("\(problem.line):\(problem.column)" == "\(test.line):\(test.column)", "\(problem)")
        }
    }
}
