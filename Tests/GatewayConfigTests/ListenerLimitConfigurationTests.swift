import GatewayConfig
import Testing

/// Per-listener limits: what they read into, the defaults by trust, and each mistake at its position;
/// stream routes refuse `rate_limit` (EventSource never comes back after a 429).
@Suite struct ListenerLimitConfigurationTests {
    private let route = "routes:\n  - {path: \"/e/{c}\", channel: \"{c}\"}\n"

    private func problems(_ yaml: String) -> String {
        do {
            _ = try GatewayConfiguration.parse(yaml: yaml, fileName: "t.yaml")
            return "parsed without problems"
        } catch {
            return error.problems.map { "\($0.line):\($0.column): \($0.message)" }.joined(separator: "\n")
        }
    }

    @Test func theDefaultsAreSafeOnUntrustedListenersAndOpenOnTrustedOnes() throws {
        let configuration = try GatewayConfiguration.parse(yaml: route, fileName: "t.yaml")
        let limits = Dictionary(uniqueKeysWithValues: configuration.listeners.map { ($0.name, $0.limits(under: configuration.limits)) })
        // public: untrusted TLS.
        #expect(limits["public"] == ListenerLimits(maxConnections: 990_000, maxConnectionsPerIP: 256, handshakesPerSecondPerIP: 64, handshakeBurstPerIP: 128))
        // local: trusted plaintext, the backend: the whole process cap, no per-client cap, no handshakes.
        #expect(limits["local"] == ListenerLimits(maxConnections: 1_100_000, maxConnectionsPerIP: 0, handshakesPerSecondPerIP: 0, handshakeBurstPerIP: 1))
        // admin: untrusted plaintext.
        #expect(limits["admin"]?.maxConnectionsPerIP == 256)
        #expect(limits["admin"]?.handshakesPerSecondPerIP == 0)
        #expect(configuration.publish.rateLimit == RouteRateLimit(requests: 200, period: .seconds(1)))
    }

    @Test func listenerKeysOverrideTheDefaults() throws {
        let configuration = try GatewayConfiguration.parse(yaml: """
            limits: {max_connections: 1000, max_connections_per_ip: 50}
            listeners:
              - {name: web, host: "::", port: 443, tls: true, max_connections: 800, handshakes_per_second_per_ip: 10, handshake_burst_per_ip: 15}
              - {name: web2, host: 0.0.0.0, port: 444, tls: true, max_connections_per_ip: 0}
              - {name: local, host: 127.0.0.1, port: 80, tls: false, max_connections_per_ip: 5}
            publish:
              rate_limit: {requests: 20, per: 10s}

            """ + route, fileName: "t.yaml")
        let limits = configuration.listeners.map { $0.limits(under: configuration.limits) }
        #expect(limits[0] == ListenerLimits(maxConnections: 800, maxConnectionsPerIP: 50, handshakesPerSecondPerIP: 10, handshakeBurstPerIP: 15))
        #expect(limits[1] == ListenerLimits(maxConnections: 900, maxConnectionsPerIP: 0, handshakesPerSecondPerIP: 64, handshakeBurstPerIP: 128))
        #expect(limits[2] == ListenerLimits(maxConnections: 1000, maxConnectionsPerIP: 5, handshakesPerSecondPerIP: 0, handshakeBurstPerIP: 1))
        #expect(configuration.publish.rateLimit == RouteRateLimit(requests: 20, period: .seconds(10)))
    }

    @Test func mistakesArePositioned() {
        #expect(problems("listeners:\n  - {host: 127.0.0.1, port: 1, tls: false, handshakes_per_second_per_ip: 5}\n" + route)
            .contains("2:44: listeners[0].handshakes_per_second_per_ip: only a TLS listener has handshakes to limit"))
        #expect(problems("listeners:\n  - {host: 127.0.0.1, port: 1, tls: true, max_connections: 0}\n" + route)
            .contains("2:60: listeners[0].max_connections: 0 is out of range 1...2147483647"))
        #expect(problems("listeners:\n  - {host: 127.0.0.1, port: 1, tls: true, max_connections_per_ip: -1}\n" + route)
            .contains("listeners[0].max_connections_per_ip: -1 is out of range 0...2147483647"))
        #expect(problems("publish:\n  rate_limit: {requests: 5}\n" + route)
            .contains("2:15: publish.rate_limit: missing required key 'per'"))
    }

    @Test func streamRoutesRefuseARateLimit() {
        let channel = problems("routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n    rate_limit: {requests: 5, per: 1s}\n")
        #expect(channel.contains("4:5: routes[0].rate_limit: stream routes cannot take a rate_limit (EventSource gives up for good on a 429)"), "\(channel)")
        let upstream = problems("routes:\n  - path: /u\n    upstream: {url: \"http://127.0.0.1:1/\"}\n    rate_limit: {requests: 5, per: 1s}\n")
        #expect(upstream.contains("4:5: routes[0].rate_limit: stream routes cannot take a rate_limit"), "\(upstream)")
    }
}
