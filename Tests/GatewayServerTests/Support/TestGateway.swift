import GatewayTestSupport
import Foundation
import GatewayConfig
import GatewayRouting
import GatewayServer
import GatewayTLS
import Logging
import NIOCore

/// A gateway running in the test process on ephemeral loopback ports, with a development CA generated
/// into its own temporary folder.
struct TestGateway {
    let server: GatewayServer
    let tlsPort: Int
    let plainPort: Int
    let directory: String
    /// Every listener's bound port, by name (listeners a test adds besides `tls` and `plain`).
    var ports: [String: Int] = [:]
    var caPath: String { directory + "/ca.pem" }

    var tlsURL: String { "https://127.0.0.1:\(tlsPort)" }
    var plainURL: String { "http://127.0.0.1:\(plainPort)" }

    static func start(
        environment: [String: String] = [:],
        reloadSource: ReloadSource? = nil,
        logger customLogger: Logger? = nil,
        _ configure: (inout GatewayConfiguration) -> Void = { _ in }
    ) async throws -> TestGateway {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = GatewayConfiguration(
            listeners: [
                ListenerConfiguration(name: "tls", host: "127.0.0.1", port: 0, tls: true),
                ListenerConfiguration(name: "plain", host: "127.0.0.1", port: 0, tls: false),
            ],
            tls: TLSSettings(
                certificates: [TLSCertificateFiles(certificatePath: directory + "/localhost.pem", keyPath: directory + "/localhost-key.pem")],
                developmentDirectory: directory
            ),
            logging: LoggingSettings(level: "warning"),
            routes: [
                RouteConfiguration(route: Route(pattern: try RoutePattern("/events/{channel}"), action: .channel(try ParameterTemplate("{channel}")))),
                RouteConfiguration(route: Route(pattern: try RoutePattern("/publish/{channel}"), action: .publish(try ParameterTemplate("{channel}")))),
                RouteConfiguration(route: Route(pattern: try RoutePattern("/healthz"), action: .health(.liveness))),
                RouteConfiguration(route: Route(pattern: try RoutePattern("/readyz"), action: .health(.readiness))),
            ]
        )
        configure(&configuration)
        var logger = Logger(label: "ssegate-test")
        logger.logLevel = .warning
        if let customLogger { logger = customLogger }
        let server = try GatewayServer(configuration: configuration, logger: logger, environment: environment, configurationSource: reloadSource?.load)
        let bound = try await server.start()
        return TestGateway(
            server: server,
            tlsPort: bound["tls"]?.port ?? 0,
            plainPort: bound["plain"]?.port ?? 0,
            directory: directory,
            ports: bound.mapValues { $0.port ?? 0 }
        )
    }

    /// Where a reload reads the configuration from (a struct, so a trailing closure still means `configure`).
    struct ReloadSource {
        let load: @Sendable () throws -> GatewayConfiguration
    }

    func stop() async {
        await server.drain(deadline: .seconds(2))
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Waits until `count` streams are subscribed to `channel` (subscribing happens on the server's loops).
    func waitForSubscribers(_ channel: String, count: Int, timeout: Duration = .seconds(10)) async -> Bool {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            if server.subscriberCount(channel: channel) == count { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return server.subscriberCount(channel: channel) == count
    }

    /// Publishes with curl on the trusted plaintext listener; returns the HTTP status and body.
    func publish(_ channel: String, body: String, contentType: String = "text/plain") async throws -> (status: Int, body: String) {
        try await curl(["-X", "POST", "-H", "content-type: \(contentType)", "--data-binary", body, "\(plainURL)/publish/\(channel)"])
    }

    /// Runs curl to completion and returns the status code and the body.
    func curl(_ arguments: [String]) async throws -> (status: Int, body: String) {
        let result = try await ChildProcess.run("curl", ["-sS", "--max-time", "10", "--cacert", caPath, "-w", "\n%{http_code}"] + arguments)
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.last ?? "") ?? 0
        return (status, lines.dropLast().joined(separator: "\n"))
    }
}
