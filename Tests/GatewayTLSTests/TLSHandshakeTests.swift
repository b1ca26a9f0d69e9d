import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayTLS

@Suite struct TLSHandshakeTests {
    @Test func handshakeCompletesOnBothSidesOnceWithTLS13AndH2() throws {
        let certificates = try TestCertificates()
        let (server, client) = try connectedPair(server: certificates.serverContext(), client: certificates.clientContext())
        #expect(server.recorder.errors.isEmpty)
        #expect(client.recorder.errors.isEmpty)
        #expect(server.recorder.handshakes.count == 1)
        #expect(client.recorder.handshakes.count == 1)
        let serverSide = try #require(server.recorder.handshakes.first)
        let clientSide = try #require(client.recorder.handshakes.first)
        #expect(serverSide.negotiatedProtocol == "h2")
        #expect(clientSide.negotiatedProtocol == "h2")
        #expect(serverSide.protocolVersion == "TLSv1.3")
        #expect(clientSide.protocolVersion == "TLSv1.3")
        #expect(serverSide.serverName == "localhost")
        #expect(clientSide.serverName == "localhost")
        #expect(serverSide.cipher == clientSide.cipher)
        #expect(["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
            .contains(serverSide.cipher))
    }

    @Test(arguments: [
        (["h2", "http/1.1"], "h2"),
        (["http/1.1", "h2"], "h2"),  // server preference wins
        (["http/1.1"], "http/1.1"),
        (["spdy/3"], nil),  // no overlap: NOACK, the handshake still succeeds
        ([], nil),
    ] as [([String], String?)])
    func alpnSelection(clientOffers: [String], expected: String?) throws {
        let certificates = try TestCertificates()
        let (server, client) = try connectedPair(
            server: certificates.serverContext(),
            client: certificates.clientContext(alpn: clientOffers)
        )
        #expect(server.recorder.errors.isEmpty)
        #expect(client.recorder.errors.isEmpty)
        #expect(server.recorder.handshakes.first?.negotiatedProtocol == expected)
        #expect(client.recorder.handshakes.first?.negotiatedProtocol == expected)
        #expect(client.recorder.handshakes.count == 1)
    }

    @Test func tls12WorksWhenTheClientIsCappedAtIt() throws {
        let certificates = try TestCertificates()
        let client = try TLSClientContext(
            alpnProtocols: ["h2"],
            trustRootsPath: certificates.files.caCertificatePath,
            verifyPeer: true,
            minimumVersion: TLSClientContext.tls12,
            maximumVersion: TLSClientContext.tls12
        )
        let (server, clientPeer) = try connectedPair(server: certificates.serverContext(), client: client)
        let handshake = try #require(server.recorder.handshakes.first)
        #expect(handshake.protocolVersion == "TLSv1.2")
        #expect(handshake.cipher == "ECDHE-ECDSA-AES128-GCM-SHA256" || handshake.cipher.hasPrefix("ECDHE-ECDSA-"))
        #expect(handshake.negotiatedProtocol == "h2")
        #expect(clientPeer.recorder.handshakes.first?.protocolVersion == "TLSv1.2")
    }

    @Test func tls11IsRefused() throws {
        let certificates = try TestCertificates()
        let client = try TLSClientContext(
            alpnProtocols: ["http/1.1"],
            trustRootsPath: certificates.files.caCertificatePath,
            verifyPeer: true,
            minimumVersion: TLSClientContext.tls11,
            maximumVersion: TLSClientContext.tls11
        )
        let (server, clientPeer) = try connectedPair(server: certificates.serverContext(), client: client)
        #expect(server.recorder.handshakes.isEmpty)
        #expect(clientPeer.recorder.handshakes.isEmpty)
        let serverError = try #require(server.recorder.tlsErrors.first)
        #expect(serverError.kind == .handshakeFailed)
        #expect(serverError.openSSLErrors.joined().contains("protocol"), "\(serverError)")
        #expect(clientPeer.recorder.tlsErrors.first?.kind == .handshakeFailed)
        #expect(!server.channel.isActive)
        #expect(!clientPeer.channel.isActive)
    }

    @Test func clientRejectsAServerFromAnotherCA() throws {
        let serverCertificates = try TestCertificates()
        let strangers = try TestCertificates()
        let (server, client) = try connectedPair(
            server: serverCertificates.serverContext(),
            client: strangers.clientContext()
        )
        #expect(client.recorder.handshakes.isEmpty)
        #expect(server.recorder.handshakes.isEmpty)
        let clientError = try #require(client.recorder.tlsErrors.first)
        #expect(clientError.kind == .handshakeFailed)
        #expect(clientError.openSSLErrors.joined().contains("certificate verify failed"), "\(clientError)")
        // The client's alert reaches the server, which fails its handshake too.
        #expect(server.recorder.tlsErrors.first?.kind == .handshakeFailed)
        #expect(!client.channel.isActive)
        #expect(!server.channel.isActive)
    }

    @Test func clientRejectsAWrongHostName() throws {
        let certificates = try TestCertificates()
        let (_, client) = try connectedPair(
            server: certificates.serverContext(),
            client: certificates.clientContext(),
            serverName: "not-localhost.test"
        )
        #expect(client.recorder.handshakes.isEmpty)
        #expect(client.recorder.tlsErrors.first?.kind == .handshakeFailed)
    }

    @Test func ipLiteralIsVerifiedAsIPAndNotSentAsSNI() throws {
        let certificates = try TestCertificates()
        let (server, client) = try connectedPair(
            server: certificates.serverContext(),
            client: certificates.clientContext(),
            serverName: "127.0.0.1"
        )
        #expect(client.recorder.errors.isEmpty)
        #expect(client.recorder.handshakes.count == 1)
        #expect(server.recorder.handshakes.first?.serverName == nil)
    }

    @Test func wrongIPLiteralIsRejected() throws {
        let certificates = try TestCertificates()
        let (_, client) = try connectedPair(
            server: certificates.serverContext(),
            client: certificates.clientContext(),
            serverName: "10.9.9.9"
        )
        #expect(client.recorder.handshakes.isEmpty)
        #expect(client.recorder.tlsErrors.first?.kind == .handshakeFailed)
    }

    @Test func unverifiedClientAcceptsAnyCertificate() throws {
        let certificates = try TestCertificates()
        let (server, client) = try connectedPair(
            server: certificates.serverContext(),
            client: TLSClientContext(verifyPeer: false),
            serverName: "whatever.test"
        )
        #expect(client.recorder.errors.isEmpty)
        #expect(client.recorder.handshakes.count == 1)
        #expect(server.recorder.handshakes.count == 1)
    }

    @Test func handshakeTimeoutFires() throws {
        let certificates = try TestCertificates()
        let server = try Peer(TLSHandler(context: certificates.serverContext(), handshakeTimeout: .seconds(5)))
        try server.activate()
        server.channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(server.recorder.errors.isEmpty)
        #expect(server.channel.isActive)
        server.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(server.recorder.tlsErrors == [TLSError.handshakeTimeout])
        #expect(server.recorder.tlsErrors.first?.kind == .handshakeTimeout)
        #expect(!server.channel.isActive)
    }

    @Test func completedHandshakeCancelsTheTimeout() throws {
        let certificates = try TestCertificates()
        let server = try Peer(TLSHandler(context: certificates.serverContext(), handshakeTimeout: .seconds(5)))
        let client = try Peer(TLSHandler(context: certificates.clientContext(), serverName: "localhost"))
        try server.activate()
        try client.activate()
        try interactInMemory(client, server)
        server.channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(server.recorder.errors.isEmpty)
        #expect(server.channel.isActive)
    }

    @Test func closingOrRemovingMidHandshakeIsSafe() throws {
        let certificates = try TestCertificates()
        let server = try Peer(TLSHandler(context: certificates.serverContext()))
        let handler = TLSHandler(context: try certificates.clientContext(), serverName: "localhost")
        let client = try Peer(handler)
        try server.activate()
        try client.activate()
        // Deliver the ClientHello only, then pull the client handler out and close the server.
        while let bytes = try client.channel.readOutbound(as: ByteBuffer.self) { try server.channel.writeInbound(bytes) }
        try client.channel.pipeline.syncOperations.removeHandler(handler).wait()
        try server.channel.close().wait()
        #expect(server.recorder.becameInactive)
        #expect(server.recorder.errors.isEmpty)
        _ = try? client.channel.finish()
    }
}
