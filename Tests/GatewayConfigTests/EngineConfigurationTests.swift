import GatewayConfig
import Testing

/// `engine:` — memory by default; Redis with a URL checked where it is written.
struct EngineConfigurationTests {
    static let route = "routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n"

    @Test func memoryIsTheDefault() throws {
        let configuration = try GatewayConfiguration.parse(yaml: Self.route, fileName: "t.yaml")
        #expect(configuration.engine == EngineSettings())
        #expect(configuration.engine.kind == .memory)
    }

    @Test func everyRedisKeyArrives() throws {
        let yaml = """
            engine:
              type: redis
              url: rediss://cache.internal:6380/2
              password_env: REDIS_PASSWORD
              tls: {ca_file: /etc/ssl/redis-ca.pem}
              key_prefix: prod-sse

            """ + Self.route
        let engine = try GatewayConfiguration.parse(yaml: yaml, fileName: "t.yaml").engine
        #expect(engine.kind == .redis)
        #expect(engine.redisURL?.host == "cache.internal" && engine.redisURL?.port == 6380 && engine.redisURL?.database == 2)
        #expect(engine.redisURL?.usesTLS == true)
        #expect(engine.passwordEnvironmentVariable == "REDIS_PASSWORD")
        #expect(engine.caFile == "/etc/ssl/redis-ca.pem")
        #expect(engine.keyPrefix == "prod-sse")
    }

    @Test(arguments: [
        ("engine:\n  type: postgres\n", 2, 9, "engine.type: expected one of memory, redis"),
        ("engine:\n  type: redis\n", 2, 9, "engine.url: required when engine.type is redis"),
        ("engine:\n  type: redis\n  url: http://x\n", 3, 8, "engine.url:"),
        ("engine:\n  password_env: hunter2\n", 2, 17, "is not an environment variable name"),
        ("engine:\n  key_prefix: \"a b\"\n", 2, 15, "engine.key_prefix: expected a non-empty prefix"),
        ("engine:\n  tls: {ca: x}\n", 2, 9, "unknown key 'ca' in engine.tls"),
    ])
    func problemsAreReportedAtTheirPosition(_ yaml: String, _ line: Int, _ column: Int, _ fragment: String) throws {
        let error = #expect(throws: ConfigurationError.self) {
            try GatewayConfiguration.parse(yaml: yaml + Self.route, fileName: "t.yaml")
        }
        let problem = try #require(error?.problems.first { $0.message.contains(fragment) }, "\(String(describing: error))")
        #expect("\(problem.line):\(problem.column)" == "\(line):\(column)", "\(problem)")
    }
}
