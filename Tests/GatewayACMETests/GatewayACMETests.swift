import Foundation
import GatewayConfig
import GatewayRouting
import GatewayServer
import GatewayTestSupport
import GatewayTLS
import Logging
import Testing

@testable import GatewayACME

/// The real gateway (`GatewayServer` in process) with `tls.acme` against a real Pebble: it answers each
/// challenge on its own listeners, swaps the certificate in live, renews it, and a restart reuses the
/// stored one. Clients trust only Pebble's root, so a completed verified handshake proves what serves.
@Suite(.serialized, .enabled(if: PebbleHarness.shouldRun, "needs /usr/bin/pebble (apt-get install pebble)"))
struct GatewayACMETests {
    @Test(.timeLimit(.minutes(2)), arguments: [ACMEConfiguration.Challenge.http01, .tlsALPN01])
    func gatewayObtainsItsCertificateAndReusesItAfterARestart(challenge: ACMEConfiguration.Challenge) async throws {
        try await ACMETestEnvironment.run { environment in
            let domain = "gateway-\(challenge.rawValue).example.com"
            let configuration = try gatewayConfiguration(environment, domain: domain, challenge: challenge)
            let root = try await environment.pebbleRoot()

            let server = try GatewayServer(configuration: configuration, logger: quietLogger())
            try await server.start()
            // Until the first certificate arrives the development certificate serves, which Pebble's root does not verify.
            let first = try await waitForServedSerial(port: environment.pebble.tlsPort, domain: domain, root: root)
            let stored = try #require(ACMEStorage(directory: configuration.tls.acme!.storageDirectory).storedCertificate(for: [domain]))
            #expect(normalized(first) == normalized(stored.summary.serialNumber))
            await server.drain(deadline: .seconds(2))

            // A restart with the CA gone: the stored certificate serves at once, no order is placed.
            environment.pebble.stop()
            let restarted = try GatewayServer(configuration: configuration, logger: quietLogger())
            try await restarted.start()
            let afterRestart = try await servedSerial(port: environment.pebble.tlsPort, domain: domain, root: root)
            #expect(afterRestart == first)
            await restarted.drain(deadline: .seconds(2))
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func gatewayRenewsAndSwapsTheCertificateLive() async throws {
        try await ACMETestEnvironment.run { environment in
            let domain = "renewal.example.com"
            var configuration = try gatewayConfiguration(environment, domain: domain, challenge: .http01)
            // Renew a few seconds into the lifetime (whatever Pebble's validity period is), so the test sees one.
            configuration.tls.acme!.renewal = RenewalPolicy(renewalFraction: 3.0 / 157_766_400, initialBackoff: .seconds(1), maximumBackoff: .seconds(2))
            let root = try await environment.pebbleRoot()
            let server = try GatewayServer(configuration: configuration, logger: quietLogger())
            try await server.start()
            let first = try await waitForServedSerial(port: environment.pebble.tlsPort, domain: domain, root: root)
            let renewed = try await waitForServedSerial(port: environment.pebble.tlsPort, domain: domain, root: root, other: first)
            #expect(renewed != first)
            await server.drain(deadline: .seconds(2))
        }
    }

    private func gatewayConfiguration(_ environment: ACMETestEnvironment, domain: String, challenge: ACMEConfiguration.Challenge) throws -> GatewayConfiguration {
        let directory = environment.directory + "/gateway"
        // Pebble validates HTTP-01 on its httpPort and TLS-ALPN-01 on its tlsPort of 127.0.0.1: the gateway listens there.
        var configuration = GatewayConfiguration(
            listeners: [
                ListenerConfiguration(name: "tls", host: "127.0.0.1", port: environment.pebble.tlsPort, tls: true),
                ListenerConfiguration(name: "plain", host: "127.0.0.1", port: environment.pebble.httpPort, tls: false),
            ],
            tls: TLSSettings(
                certificates: [TLSCertificateFiles(certificatePath: directory + "/localhost.pem", keyPath: directory + "/localhost-key.pem")],
                developmentDirectory: directory),
            logging: LoggingSettings(level: "critical"),
            routes: [RouteConfiguration(route: Route(pattern: try RoutePattern("/healthz"), action: .health(.liveness)))]
        )
        configuration.tls.acme = ACMEConfiguration(
            directoryURL: environment.pebble.directoryURL, contactEmail: "ops@example.com", domains: [domain], challenge: challenge,
            storageDirectory: directory + "/acme", trustRootsPath: environment.pebble.pebbleHTTPSRoots,
            requestTimeout: .seconds(10), orderTimeout: .seconds(40))
        return configuration
    }

    private func quietLogger() -> Logger {
        var logger = Logger(label: "ssegate-acme-test")
        logger.logLevel = .critical
        return logger
    }

    /// The serial of the certificate a client that trusts only `root` verifies on `port` for `domain`;
    /// nil when verification fails.
    private func servedSerial(port: Int, domain: String, root: String) async throws -> String? {
        let script = "openssl s_client -connect 127.0.0.1:\(port) -servername \(domain) -verify_hostname \(domain) -CAfile '\(root)' -verify_return_error </dev/null 2>/dev/null | openssl x509 -noout -serial"
        let line = try await ChildProcess.run("sh", ["-c", script]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        return line.hasPrefix("serial=") ? String(line.dropFirst("serial=".count)) : nil
    }

    private func waitForServedSerial(port: Int, domain: String, root: String, other: String? = nil) async throws -> String {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(60) {
            if let serial = try await servedSerial(port: port, domain: domain, root: root), serial != other { return serial }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw HarnessError("no certificate verified by Pebble's root served on \(port) for \(domain)")
    }

    /// Serials compared as hex digits without separators or leading zeros.
    private func normalized(_ serial: String) -> String {
        let digits = serial.lowercased().filter(\.isHexDigit)
        let trimmed = digits.drop { $0 == "0" }
        return String(trimmed)
    }
}
