import Foundation
import NIOCore
import Testing

@testable import GatewayTLS

/// TLS-ALPN-01 in the server context: `acme-tls/1` plus a pending challenge gets the challenge certificate,
/// everything else is the ordinary handshake (RFC 8737 §3).
@Suite struct TLSALPNChallengeTests {
    struct Setup {
        let regular: TestCertificates
        let store = TLSALPNChallengeStore()
        let server: TLSServerContext

        init() throws {
            self.regular = try TestCertificates(names: ["acme.test", "other.test"])
            try self.store.setChallenge(domain: "acme.test", keyAuthorization: "token.thumbprint")
            self.server = try TLSServerContext(
                certificates: [self.regular.certificate(serverNames: ["acme.test"])],
                acmeChallenges: self.store
            )
        }

        /// Like a CA's validation client, it does not verify the chain: OpenSSL would refuse the challenge
        /// certificate anyway ("unhandled critical extension", acmeIdentifier is critical by design).
        func acmeClient(alpn: [String] = ["acme-tls/1"], maximumVersion: Int32 = TLSClientContext.tls13, trusting roots: String? = nil) throws -> TLSClientContext {
            try TLSClientContext(
                alpnProtocols: alpn,
                trustRootsPath: roots,
                verifyPeer: roots != nil,
                minimumVersion: TLSClientContext.tls12,
                maximumVersion: maximumVersion
            )
        }
    }

    @Test(arguments: [TLSClientContext.tls12, TLSClientContext.tls13])
    func acmeHandshakeGetsTheChallengeCertificateAndIsClosed(version: Int32) throws {
        let setup = try Setup()
        let (server, client) = try connectedPair(server: setup.server, client: setup.acmeClient(maximumVersion: version), serverName: "acme.test")
        #expect(client.recorder.errors.isEmpty, "\(client.recorder.errors)")
        #expect(client.recorder.handshakes.first?.negotiatedProtocol == "acme-tls/1")
        // The server side never announces the handshake to the handlers above, and closes (RFC 8737 §3).
        #expect(server.recorder.handshakes.isEmpty)
        #expect(!server.channel.isActive)

        // Not the regular certificate: a client that trusts the regular CA refuses what it is served.
        let trusting = try setup.acmeClient(maximumVersion: version, trusting: setup.regular.files.caCertificatePath)
        let (_, refused) = try connectedPair(server: setup.server, client: trusting, serverName: "acme.test")
        #expect(refused.recorder.tlsErrors.first?.kind == .handshakeFailed)
    }

    @Test func ordinaryHandshakeForTheSameNameIsUnchanged() throws {
        let setup = try Setup()
        let (server, client) = try connectedPair(server: setup.server, client: setup.regular.clientContext(), serverName: "acme.test")
        #expect(client.recorder.errors.isEmpty, "\(client.recorder.errors)")
        #expect(client.recorder.handshakes.first?.negotiatedProtocol == "h2")
        #expect(server.recorder.handshakes.count == 1)
        #expect(server.channel.isActive)
    }

    @Test func acmeProtocolWithoutAPendingChallengeGetsTheRegularCertificate() throws {
        let setup = try Setup()
        let client = try TLSClientContext(alpnProtocols: ["acme-tls/1"], trustRootsPath: setup.regular.files.caCertificatePath)
        let (_, other) = try connectedPair(server: setup.server, client: client, serverName: "other.test")
        #expect(other.recorder.errors.isEmpty, "\(other.recorder.errors)")
        #expect(other.recorder.handshakes.first?.negotiatedProtocol == nil)

        setup.store.removeChallenge(domain: "acme.test")
        let (_, removed) = try connectedPair(server: setup.server, client: client, serverName: "acme.test")
        #expect(removed.recorder.errors.isEmpty, "\(removed.recorder.errors)")
        #expect(removed.recorder.handshakes.first?.negotiatedProtocol == nil)
    }

    @Test func serverNameExtensionParsing() {
        // list length 0x000E | type 0 | length 0x000B | "example.com"
        let valid: [UInt8] = [0x00, 0x0E, 0x00, 0x00, 0x0B] + Array("example.com".utf8)
        #expect(valid.withUnsafeBytes { ClientHelloExtensions.hostName(fromServerNameExtension: $0) } == "example.com")
        let truncated = Array(valid.dropLast())
        #expect(truncated.withUnsafeBytes { ClientHelloExtensions.hostName(fromServerNameExtension: $0) } == nil)
        let empty: [UInt8] = []
        #expect(empty.withUnsafeBytes { ClientHelloExtensions.hostName(fromServerNameExtension: $0) } == nil)
    }

    @Test func alpnExtensionParsing() {
        let offered: [UInt8] = [0x00, 0x0E, 0x02] + Array("h2".utf8) + [0x0A] + Array("acme-tls/1".utf8)
        #expect(offered.withUnsafeBytes { ClientHelloExtensions.offersACMETLS(alpnExtension: $0) })
        let notOffered: [UInt8] = [0x00, 0x03, 0x02] + Array("h2".utf8)
        #expect(!notOffered.withUnsafeBytes { ClientHelloExtensions.offersACMETLS(alpnExtension: $0) })
        let badLength: [UInt8] = [0x00, 0x09, 0x02] + Array("h2".utf8)
        #expect(!badLength.withUnsafeBytes { ClientHelloExtensions.offersACMETLS(alpnExtension: $0) })
    }
}
