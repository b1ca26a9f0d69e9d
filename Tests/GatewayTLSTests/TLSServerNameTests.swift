import Testing

@testable import GatewayTLS

@Suite struct TLSServerNameTests {
    /// alpha (the default) also lists "unknown.test" in its SANs but not in its SNI names, so a client that
    /// sends "unknown.test" and trusts only alpha's CA succeeds exactly when the default was served.
    struct Setup {
        let alpha: TestCertificates
        let beta: TestCertificates
        let server: TLSServerContext

        init() throws {
            self.alpha = try TestCertificates(names: ["alpha.test", "unknown.test"])
            self.beta = try TestCertificates(names: ["beta.test", "*.beta.test"])
            self.server = try TLSServerContext(certificates: [
                self.alpha.certificate(serverNames: ["alpha.test"]),
                self.beta.certificate(serverNames: ["beta.test", "*.beta.test"]),
            ])
        }
    }

    @Test(arguments: ["beta.test", "BETA.test", "www.beta.test"])
    func namedCertificateIsChosen(serverName: String) throws {
        let setup = try Setup()
        let (server, client) = try connectedPair(
            server: setup.server,
            client: setup.beta.clientContext(),
            serverName: serverName
        )
        #expect(client.recorder.errors.isEmpty, "\(client.recorder.errors)")
        #expect(client.recorder.handshakes.count == 1)
        #expect(server.recorder.handshakes.first?.serverName == serverName)
    }

    @Test func betaNameIsNotServedAlphasCertificate() throws {
        let setup = try Setup()
        let (_, client) = try connectedPair(server: setup.server, client: setup.alpha.clientContext(), serverName: "beta.test")
        #expect(client.recorder.handshakes.isEmpty)
        #expect(client.recorder.tlsErrors.first?.kind == .handshakeFailed)
    }

    @Test func unknownNameGetsTheDefaultCertificate() throws {
        let setup = try Setup()
        let (server, client) = try connectedPair(
            server: setup.server,
            client: setup.alpha.clientContext(),
            serverName: "unknown.test"
        )
        #expect(client.recorder.errors.isEmpty, "\(client.recorder.errors)")
        #expect(client.recorder.handshakes.count == 1)
        #expect(server.recorder.handshakes.first?.serverName == "unknown.test")

        let (_, betaClient) = try connectedPair(server: setup.server, client: setup.beta.clientContext(), serverName: "unknown.test")
        #expect(betaClient.recorder.tlsErrors.first?.kind == .handshakeFailed)
    }

    @Test func noServerNameGetsTheDefaultCertificate() throws {
        let setup = try Setup()
        let client = try TLSClientContext(trustRootsPath: setup.alpha.files.caCertificatePath)
        let (server, clientPeer) = try connectedPair(server: setup.server, client: client, serverName: nil)
        #expect(clientPeer.recorder.errors.isEmpty, "\(clientPeer.recorder.errors)")
        #expect(server.recorder.handshakes.first?.serverName == nil)
    }
}
