import Foundation
import GatewayTLS
import NIOCore
import NIOPosix
import Testing

@testable import GatewayACME

/// One Pebble, one event loop group and one storage folder for a test, torn down whatever happens.
struct ACMETestEnvironment {
    let pebble: PebbleHarness
    let group: MultiThreadedEventLoopGroup
    let directory: String

    static func run(_ body: (ACMETestEnvironment) async throws -> Void) async throws {
        let pebble = try PebbleHarness.start()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let environment = ACMETestEnvironment(pebble: pebble, group: group, directory: pebble.workDirectory)
        do {
            try await body(environment)
        } catch {
            Issue.record("pebble log:\n\(pebble.pebbleLog())")
            pebble.stop()
            try await group.shutdownGracefully()
            throw error
        }
        pebble.stop()
        try await group.shutdownGracefully()
        // Logs stay behind only for a failed test.
        try? FileManager.default.removeItem(atPath: pebble.workDirectory)
    }

    func manager(
        domains: [String],
        challenge: ACMEConfiguration.Challenge,
        http01: HTTP01ChallengeStore = HTTP01ChallengeStore(),
        tlsALPN01: TLSALPNChallengeStore = TLSALPNChallengeStore()
    ) -> ACMECertificateManager {
        let configuration = ACMEConfiguration(
            directoryURL: self.pebble.directoryURL,
            contactEmail: "ops@example.com",
            domains: domains,
            challenge: challenge,
            storageDirectory: self.directory + "/acme",
            trustRootsPath: self.pebble.pebbleHTTPSRoots,
            requestTimeout: .seconds(10),
            orderTimeout: .seconds(40)
        )
        return ACMECertificateManager(configuration: configuration, eventLoopGroup: self.group, http01: http01, tlsALPN01: tlsALPN01)
    }

    /// Pebble's root, fetched from its management endpoint (it is new at every start).
    func pebbleRoot() async throws -> String {
        try await self.pebble.fetchRoot(using: ACMEHTTPClient(group: self.group, trustRootsPath: self.pebble.pebbleHTTPSRoots, timeout: .seconds(10)))
    }

    /// A `GatewayTLS` server with the issued chain and key; a client that trusts only Pebble's root and
    /// checks `domain` completes the handshake.
    func expectVerifiedHandshake(_ certificate: ACMECertificate, domain: String, root: String? = nil) async throws {
        let rootPath = if let root { root } else { try await self.pebbleRoot() }
        let server = try await TLSTestServer(context: TLSServerContext(certificates: [certificate.files]), port: 0, group: self.group)
        defer { server.channel.close(promise: nil) }
        let client = try TLSClientContext(alpnProtocols: ["h2"], trustRootsPath: rootPath)
        let completed = try await handshake(port: server.port, serverName: domain, client: client, group: self.group)
        #expect(completed.serverName == domain)
        // And a client that does not trust Pebble refuses the same server.
        let stranger = try TLSClientContext(alpnProtocols: ["h2"], trustRootsPath: self.pebble.pebbleHTTPSRoots)
        await #expect(throws: TLSError.self) {
            _ = try await handshake(port: server.port, serverName: domain, client: stranger, group: self.group)
        }
    }
}
