import GatewayConfig
import GatewayRouting
import Testing

/// `metrics:` and `admin:` routes, a route's `listeners:` and `webhook:`: every option arrives, mistakes
/// are reported in place.
struct OperationsConfigurationTests {
    private static let listeners = """
        listeners:
          - { name: local, host: 127.0.0.1, port: 8080, tls: false }
          - { name: admin, host: 127.0.0.1, port: 9090, tls: false }

        """

    @Test func everyOptionArrives() throws {
        let yaml = Self.listeners + """
            routes:
              - path: /metrics
                metrics: prometheus
                listeners: [local]
              - path: /ops
                admin: { token_env: OPS_TOKEN }
                listeners: [admin]
              - path: /events/{channel}
                channel: "{channel}"
                webhook:
                  url: https://hooks.example/sse
                  secret_env: HOOK_SECRET
                  timeout: 2s
                  max_attempts: 3
                  backoff: 250ms
                  queue: 50
                  ca_file: certs/hooks-ca.pem
              - path: /default-admin
                admin: {}
            """
        let configuration = try GatewayConfiguration.parse(yaml: yaml, fileName: "ops.yaml")
        #expect(configuration.routes[0].route.action == .metrics)
        #expect(configuration.routes[0].listeners == ["local"])
        #expect(configuration.routes[1].route.action == .admin(AdminRoute(tokenEnvironmentVariable: "OPS_TOKEN")))
        #expect(configuration.routes[1].listeners == ["admin"])
        #expect(configuration.routes[2].listeners == nil)
        #expect(configuration.routes[2].webhook == WebhookSettings(
            url: "https://hooks.example/sse", secretEnvironmentVariable: "HOOK_SECRET", timeout: .seconds(2), maxAttempts: 3,
            backoff: .milliseconds(250), queueSize: 50, caFile: "certs/hooks-ca.pem"))
        #expect(configuration.routes[3].route.action == .admin(AdminRoute(tokenEnvironmentVariable: "SSEGATE_ADMIN_TOKEN")))
    }

    @Test func webhookDefaults() throws {
        let yaml = "routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n    webhook: { url: \"http://127.0.0.1:9000/h\" }\n"
        let webhook = try #require(try GatewayConfiguration.parse(yaml: yaml, fileName: "x").routes[0].webhook)
        #expect(webhook == WebhookSettings(url: "http://127.0.0.1:9000/h"))
        #expect(webhook.secretEnvironmentVariable == nil)
        #expect(webhook.timeout == .seconds(5) && webhook.maxAttempts == 5 && webhook.queueSize == 1000)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var yaml: String
        var line: Int
        var column: Int
        var fragment: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "metrics format", yaml: "routes:\n  - path: /m\n    metrics: json\n", line: 3, column: 14,
             fragment: "routes[0].metrics: expected one of prometheus, found 'json'"),
        Case(name: "admin token is a variable name", yaml: "routes:\n  - path: /a\n    admin: { token_env: hunter2 }\n", line: 3, column: 25,
             fragment: "'hunter2' is not an environment variable name"),
        Case(name: "admin path parameters", yaml: "routes:\n  - path: /a/{x}\n    admin: {}\n", line: 2, column: 11,
             fragment: "an admin route's path is the API's prefix and takes no parameters"),
        Case(name: "unknown admin key", yaml: "routes:\n  - path: /a\n    admin: { token: x }\n", line: 3, column: 14,
             fragment: "unknown key 'token'"),
        Case(name: "unknown listener", yaml: listeners + "routes:\n  - path: /m\n    metrics: prometheus\n    listeners: [locl]\n",
             line: 7, column: 17, fragment: "routes[0].listeners[0]: no listener is named 'locl' (listeners: local, admin)"),
        Case(name: "webhook on a publish route", yaml: "routes:\n  - path: /p/{c}\n    publish: \"{c}\"\n    webhook: { url: \"http://h/\" }\n",
             line: 4, column: 5, fragment: "routes[0].webhook: only channel and upstream routes take 'webhook'"),
        Case(name: "webhook URL scheme", yaml: "routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n    webhook: { url: \"ftp://h/\" }\n",
             line: 4, column: 21, fragment: "'ftp://h/' is not an http:// or https:// URL"),
        Case(name: "webhook without url", yaml: "routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n    webhook: { queue: 5 }\n",
             line: 4, column: 14, fragment: "routes[0].webhook: missing required key 'url'"),
        Case(name: "webhook secret is a variable name", yaml: "routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n    webhook: { url: \"http://h/\", secret_env: s3cr3t }\n",
             line: 4, column: 46, fragment: "'s3cr3t' is not an environment variable name"),
        Case(name: "webhook attempts", yaml: "routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n    webhook: { url: \"http://h/\", max_attempts: 0 }\n",
             line: 4, column: 48, fragment: "max_attempts"),
        Case(name: "history on metrics", yaml: "routes:\n  - path: /m\n    metrics: prometheus\n    history: { count: 1 }\n",
             line: 4, column: 5, fragment: "only channel and publish routes take 'history'"),
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
