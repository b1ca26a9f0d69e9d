import Foundation
import GatewayTLS
import NIOCore
import NIOPosix
import Testing

@testable import GatewayACME

/// The whole ACME flow against a real Pebble on loopback: each challenge type, the issued chain verified
/// by a TLS client that trusts Pebble's root, a renewal, and a restart that reuses the stored certificate.
@Suite(.serialized, .enabled(if: PebbleHarness.shouldRun, "needs /usr/bin/pebble (apt-get install pebble)"))
struct PebbleACMETests {
    @Test(.timeLimit(.minutes(1)))
    func obtainsACertificateThroughHTTP01() async throws {
        try await ACMETestEnvironment.run { environment in
            let domain = "http01.example.com"
            let store = HTTP01ChallengeStore()
            let server = try await HTTP01TestServer(store: store, port: environment.pebble.httpPort, group: environment.group)
            defer { server.channel.close(promise: nil) }
            let manager = environment.manager(domains: [domain], challenge: .http01, http01: store)

            let certificate = try await manager.orderCertificate()
            #expect(certificate.summary.dnsNames == [domain])
            #expect(store.keyAuthorization(forToken: "anything") == nil)
            try await environment.expectVerifiedHandshake(certificate, domain: domain)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func obtainsACertificateThroughTLSALPN01() async throws {
        try await ACMETestEnvironment.run { environment in
            let domain = "alpn.example.com"
            let challenges = TLSALPNChallengeStore()
            let development = try DevelopmentCertificateAuthority.ensure(directory: environment.directory + "/dev", names: ["localhost"])
            let context = try TLSServerContext(
                certificates: [TLSCertificateFiles(certificatePath: development.certificatePath, keyPath: development.keyPath)],
                acmeChallenges: challenges
            )
            let server = try await TLSTestServer(context: context, port: environment.pebble.tlsPort, group: environment.group)
            defer { server.channel.close(promise: nil) }
            let manager = environment.manager(domains: [domain], challenge: .tlsALPN01, tlsALPN01: challenges)

            let certificate = try await manager.orderCertificate()
            #expect(certificate.summary.dnsNames == [domain])
            #expect(challenges.pendingDomains.isEmpty)
            try await environment.expectVerifiedHandshake(certificate, domain: domain)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func renewsWithTheStoredAccount() async throws {
        try await ACMETestEnvironment.run { environment in
            let domains = ["renew.example.com", "www.renew.example.com"]
            let store = HTTP01ChallengeStore()
            let server = try await HTTP01TestServer(store: store, port: environment.pebble.httpPort, group: environment.group)
            defer { server.channel.close(promise: nil) }
            let manager = environment.manager(domains: domains, challenge: .http01, http01: store)

            let first = try await manager.orderCertificate()
            let accountKey = try Data(contentsOf: URL(fileURLWithPath: manager.storage.accountKeyPath))
            let firstKey = try Data(contentsOf: URL(fileURLWithPath: manager.storage.certificateKeyPath))

            // The schedule asks for the renewal once two thirds of the lifetime have passed.
            var schedule = RenewalSchedule()
            schedule.certificateInstalled(notBefore: first.notBefore, notAfter: first.notAfter)
            let due = schedule.renewalDate(notBefore: first.notBefore, notAfter: first.notAfter)
            #expect(schedule.nextAction(now: due) == .orderNow)

            let renewed = try await manager.orderCertificate()
            schedule.certificateInstalled(notBefore: renewed.notBefore, notAfter: renewed.notAfter)
            #expect(renewed.summary.serialNumber != first.summary.serialNumber)
            #expect(Set(renewed.summary.dnsNames) == Set(domains))
            #expect(try Data(contentsOf: URL(fileURLWithPath: manager.storage.accountKeyPath)) == accountKey)
            #expect(try Data(contentsOf: URL(fileURLWithPath: manager.storage.certificateKeyPath)) != firstKey)
            try await environment.expectVerifiedHandshake(renewed, domain: "www.renew.example.com")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func restartReusesTheStoredCertificate() async throws {
        try await ACMETestEnvironment.run { environment in
            let domain = "restart.example.com"
            let store = HTTP01ChallengeStore()
            let server = try await HTTP01TestServer(store: store, port: environment.pebble.httpPort, group: environment.group)
            defer { server.channel.close(promise: nil) }
            let issued = try await environment.manager(domains: [domain], challenge: .http01, http01: store).orderCertificate()
            let root = try await environment.pebbleRoot()

            // With the CA gone, any new order would fail: a reused certificate proves none was placed.
            environment.pebble.stop()
            let restarted = environment.manager(domains: [domain], challenge: .http01, http01: store)
            let (certificate, reused) = try await restarted.storedOrNewCertificate()
            #expect(reused)
            #expect(certificate.summary.serialNumber == issued.summary.serialNumber)
            var schedule = restarted.renewalSchedule(holding: certificate)
            #expect(schedule.nextAction(now: Date()) == .waitUntil(schedule.renewalDate(notBefore: certificate.notBefore, notAfter: certificate.notAfter)))
            try await environment.expectVerifiedHandshake(certificate, domain: domain, root: root)

            // A certificate for other names is not reused (and here the order then fails on the network).
            let other = environment.manager(domains: ["other.example.com"], challenge: .http01, http01: store)
            #expect(other.storedCertificate() == nil)
            await #expect(throws: ACMEError.self) { _ = try await other.storedOrNewCertificate() }
        }
    }
}
