import Foundation
import GatewayTLS
import NIOCore
import NIOPosix
import Testing

@testable import GatewayACME

/// Failures come back typed by scope, and every wait is bounded.
@Suite(.serialized, .enabled(if: PebbleHarness.shouldRun, "needs /usr/bin/pebble (apt-get install pebble)"))
struct PebbleACMEFailureTests {
    @Test(.timeLimit(.minutes(1)))
    func unansweredChallengeIsAValidationFailure() async throws {
        try await ACMETestEnvironment.run { environment in
            // Nothing listens on Pebble's httpPort, so the CA cannot fetch the token.
            let store = HTTP01ChallengeStore()
            let manager = environment.manager(domains: ["silent.example.com"], challenge: .http01, http01: store)
            let error = await #expect(throws: ACMEError.self) { _ = try await manager.orderCertificate() }
            #expect(error?.kind == .validationFailed)
            #expect(error?.domain == "silent.example.com")
            #expect(store.keyAuthorization(forToken: "x") == nil)
            #expect(manager.storedCertificate() == nil)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func refusedIdentifierIsAProblemDocument() async throws {
        try await ACMETestEnvironment.run { environment in
            let manager = environment.manager(domains: ["not_a_valid_name!.example.com"], challenge: .http01)
            let error = await #expect(throws: ACMEError.self) { _ = try await manager.orderCertificate() }
            #expect(error?.kind == .problem)
            #expect(error?.problemType?.hasPrefix("urn:ietf:params:acme:error:") == true, "\(String(describing: error))")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func ordersAreBoundedInTime() async throws {
        try await ACMETestEnvironment.run { environment in
            let store = HTTP01ChallengeStore()
            let server = try await HTTP01TestServer(store: store, port: environment.pebble.httpPort, group: environment.group)
            defer { server.channel.close(promise: nil) }
            var configuration = environment.manager(domains: ["slow.example.com"], challenge: .http01).configuration
            configuration.orderTimeout = .milliseconds(1)
            let manager = ACMECertificateManager(
                configuration: configuration, eventLoopGroup: environment.group, http01: store, tlsALPN01: TLSALPNChallengeStore()
            )
            let error = await #expect(throws: ACMEError.self) { _ = try await manager.orderCertificate() }
            #expect(error?.kind == .timeout)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func staleNonceIsRetriedOnce() async throws {
        try await ACMETestEnvironment.run { environment in
            let client = try ACMEClient(
                directoryURL: environment.pebble.directoryURL,
                accountKey: try P256SigningKey.generate(),
                trustRootsPath: environment.pebble.pebbleHTTPSRoots,
                eventLoopGroup: environment.group,
                requestTimeout: .seconds(10)
            )
            // Pebble never issued this nonce: it answers badNonce with a fresh one, which the retry uses.
            await client.rememberNonce("c3RhbGUtbm9uY2U")
            let accountURL = try await client.registerAccount()
            #expect(accountURL.hasPrefix("https://127.0.0.1:\(environment.pebble.listenPort)/"))
        }
    }
}
