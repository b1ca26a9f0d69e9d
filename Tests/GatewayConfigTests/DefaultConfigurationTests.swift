import Foundation
import GatewayRouting
import Testing

@testable import GatewayConfig
import GatewayHTTP2
import GatewayHub
import GatewayTLS

@Suite struct DefaultConfigurationTests {
    /// `conf/ssegate.yaml`, found from this file so the test runs from any working directory.
    static let defaultFilePath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("conf/ssegate.yaml").path

    @Test func embeddedDefaultIsByteIdenticalToTheFile() throws {
        let file = try #require(FileManager.default.contents(atPath: Self.defaultFilePath))
        #expect(Array(GatewayConfiguration.defaultYAML.utf8) == Array(file))
    }

    @Test func defaultParsesIntoTheDocumentedDefaults() throws {
        let configuration = try GatewayConfiguration.parse(yaml: GatewayConfiguration.defaultYAML, fileName: "default")
        // Everything but the routes is spelled out in the file with the model's defaults.
        var expected = GatewayConfiguration()
        expected.routes = configuration.routes
        #expect(configuration == expected)

        #expect(configuration.listeners == [
            ListenerConfiguration(name: "public", host: "0.0.0.0", port: 8443, tls: true, trusted: false),
            ListenerConfiguration(name: "local", host: "127.0.0.1", port: 8080, tls: false, trusted: true),
            ListenerConfiguration(name: "admin", host: "127.0.0.1", port: 9090, tls: false, trusted: false),
        ])
        #expect(configuration.tls.certificates == [
            TLSCertificateFiles(certificatePath: "certs/localhost.pem", keyPath: "certs/localhost-key.pem"),
        ])
        #expect(configuration.streams.heartbeat == .seconds(15))
        #expect(configuration.history.ttl == .seconds(3600))
        #expect(configuration.history.bytes == 1_048_576)
        #expect(configuration.http2.maxHeaderListSize == 16384)

        let routes = configuration.routes.map(\.route)
        #expect(routes == [
            Route(pattern: try RoutePattern("/events/{channel}"), action: .channel(try ParameterTemplate("{channel}"))),
            Route(pattern: try RoutePattern("/events"), action: .channel(try ParameterTemplate("{channel}"))),
            Route(pattern: try RoutePattern("/publish/{channel}"), action: .publish(try ParameterTemplate("{channel}"))),
            Route(pattern: try RoutePattern("/healthz"), action: .health(.liveness)),
            Route(pattern: try RoutePattern("/readyz"), action: .health(.readiness)),
            Route(pattern: try RoutePattern("/"), action: .staticFiles(StaticRoute(directory: "www"))),
            Route(pattern: try RoutePattern("/demo/{file}"), action: .staticFiles(StaticRoute(directory: "www"))),
            Route(pattern: try RoutePattern("/demo/publish/{channel}"), action: .publish(try ParameterTemplate("demo:{channel}"))),
            Route(pattern: try RoutePattern("/metrics"), action: .metrics),
            Route(pattern: try RoutePattern("/admin"), action: .admin(AdminRoute(tokenEnvironmentVariable: "SSEGATE_ADMIN_TOKEN"))),
        ])
        // Operator routes exist only on their loopback listeners.
        #expect(configuration.routes.first { $0.route.action == .metrics }?.listeners == ["local"])
        #expect(configuration.routes.first { if case .admin = $0.route.action { true } else { false } }?.listeners == ["admin"])
        #expect(configuration.routes.allSatisfy { $0.heartbeat == nil && $0.retry == nil })
        #expect(configuration.routes[0].streamOpenEvent && !configuration.routes[1].streamOpenEvent)
        #expect(configuration.routes.map(\.maxChannels) == [1, 8, 1, 1, 1, 1, 1, 1, 1, 1])
        // Only the demo's publish route is open to anyone, and only within its budget.
        #expect(configuration.routes.map(\.anonymous) == [false, false, false, false, false, false, false, true, false, false])
        #expect(configuration.routes.map(\.rateLimit) == [nil, nil, nil, nil, nil, nil, nil, RouteRateLimit(requests: 30, period: .seconds(60)), nil, nil])
        #expect(configuration.routeTable.match(path: "/events/news")?.parameters == ["channel": "news"])
    }

    @Test func loadReadsTheFile() throws {
        let configuration = try GatewayConfiguration.load(contentsOf: Self.defaultFilePath)
        #expect(configuration == (try GatewayConfiguration.parse(yaml: GatewayConfiguration.defaultYAML, fileName: "x")))
    }

    @Test func loadOfAMissingFileSaysSo() {
        let error = #expect(throws: ConfigurationError.self) {
            try GatewayConfiguration.load(contentsOf: "/nonexistent/ssegate.yaml")
        }
        #expect(error?.description == "/nonexistent/ssegate.yaml: error: cannot read the configuration: no such file")
    }

    @Test func loadOfADirectorySaysSo() {
        let error = #expect(throws: ConfigurationError.self) {
            try GatewayConfiguration.load(contentsOf: NSTemporaryDirectory())
        }
        #expect(error?.description.contains("it is a directory") == true)
    }

    /// Every key of the schema with a non-default value, so each one is seen to arrive in the model.
    @Test func everyKeyArrives() throws {
        let yaml = """
            listeners:
              - name: edge
                host: "::"
                port: 443
                tls: true
                trusted: true
              - host: localhost
                port: 0
                tls: false
            tls:
              certificates:
                - certificate: /etc/a.pem
                  key: /etc/a.key
                  server_names: [Example.com, "*.example.com"]
                - certificate: /etc/b.pem
                  key: /etc/b.key
              generate_development_certificate: false
              development_directory: dev
              handshake_timeout: 2500ms
              session_tickets: no
            http2:
              max_concurrent_streams: 250
              initial_window_size: 1048576
              max_header_list_size: 32KiB
              max_header_count: 64
              reset_rate_burst: 50
              reset_rate_per_second: 10
              max_continuations: 8
              idle_timeout: 2m
            streams:
              heartbeat: 20
              retry: 1500ms
              outbound_budget: 1MiB
            history:
              count: 0
              bytes: 4096
              ttl: 1d
            publish:
              token_env: MY_TOKEN_2
              max_body: 1_000
              max_events_per_request: 7
            limits:
              max_connections: 50_000
              max_connections_per_ip: 20
              max_request_head: 8KiB
            logging:
              level: debug
              format: json
              access_log: false
            routes:
              - path: /users/{sub}/events
                channel: "user:{sub}"
                heartbeat: 5s
                retry: 10s
              - path: /
                health: readiness
            """
        let configuration = try GatewayConfiguration.parse(yaml: yaml, fileName: "full.yaml")
        let expected = GatewayConfiguration(
            listeners: [
                ListenerConfiguration(name: "edge", host: "::", port: 443, tls: true, trusted: true),
                ListenerConfiguration(name: "localhost:0", host: "localhost", port: 0, tls: false, trusted: true),
            ],
            tls: TLSSettings(
                certificates: [
                    TLSCertificateFiles(
                        certificatePath: "/etc/a.pem", keyPath: "/etc/a.key", serverNames: ["example.com", "*.example.com"]),
                    TLSCertificateFiles(certificatePath: "/etc/b.pem", keyPath: "/etc/b.key"),
                ],
                generateDevelopmentCertificate: false,
                developmentDirectory: "dev",
                handshakeTimeout: .milliseconds(2500),
                sessionTickets: false
            ),
            http2: HTTP2SessionSettings(
                maxConcurrentStreams: 250, initialWindowSize: 1_048_576, maxHeaderListSize: 32768, maxHeaderCount: 64,
                resetRateBurst: 50, resetRatePerSecond: 10, maxContinuations: 8, idleTimeout: .seconds(120)),
            streams: StreamSettings(heartbeat: .seconds(20), retry: .milliseconds(1500), outboundBudget: 1_048_576),
            history: HistorySettings(limits: HistoryLimits(count: 0, bytes: 4096, ttl: .seconds(86400))),
            publish: PublishSettings(tokenEnvironmentVariable: "MY_TOKEN_2", maxBodyBytes: 1000, maxEventsPerRequest: 7),
            limits: LimitSettings(maxConnections: 50_000, maxConnectionsPerIP: 20, maxRequestHeadBytes: 8192),
            logging: LoggingSettings(level: "debug", format: .json, accessLog: false),
            routes: [
                RouteConfiguration(
                    route: Route(
                        pattern: try RoutePattern("/users/{sub}/events"), action: .channel(try ParameterTemplate("user:{sub}"))),
                    heartbeat: .seconds(5), retry: .seconds(10)),
                RouteConfiguration(route: Route(pattern: try RoutePattern("/"), action: .health(.readiness))),
            ]
        )
        #expect(configuration == expected)
    }

    @Test func minimalFileTakesEveryDefault() throws {
        let configuration = try GatewayConfiguration.parse(
            yaml: "routes:\n  - path: /healthz\n    health: liveness\n", fileName: "min.yaml")
        #expect(configuration.listeners == ListenerConfiguration.defaults)
        #expect(configuration.tls == TLSSettings())
        #expect(configuration.http2 == HTTP2SessionSettings())
        #expect(configuration.logging == LoggingSettings())
    }

    @Test func emptySectionsKeepTheirDefaults() throws {
        let configuration = try GatewayConfiguration.parse(
            yaml: "history:\nstreams:\nroutes:\n  - path: /healthz\n    health: liveness\n", fileName: "x")
        #expect(configuration.history == HistorySettings())
        #expect(configuration.streams == StreamSettings())
    }
}
