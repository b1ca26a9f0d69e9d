import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayTLS

/// TLS 1.3 resumption between our own client and server handlers: the client takes the session from the
/// server's ticket (`resumableSession`) and offers it on its next connection (`resuming:`); both sides then
/// report `sessionReused`. A server with other ticket keys (another context, as after a reload) answers the
/// same offer with a full handshake.
@Suite struct TLSResumptionTests {
    @Test func aTicketFromOneConnectionResumesTheNext() throws {
        let certificates = try TestCertificates()
        let server = try certificates.serverContext()
        let client = try certificates.clientContext()

        let first = try Self.connect(server: server, client: client, resuming: nil)
        #expect(first.server.recorder.handshakes.first?.sessionReused == false)
        #expect(first.client.recorder.handshakes.first?.sessionReused == false)
        let session = try #require(first.clientHandler.resumableSession, "no ticket reached the client")

        let second = try Self.connect(server: server, client: client, resuming: session)
        #expect(second.server.recorder.errors.isEmpty)
        #expect(second.client.recorder.errors.isEmpty)
        #expect(second.server.recorder.handshakes.first?.sessionReused == true)
        #expect(second.client.recorder.handshakes.first?.sessionReused == true)
        #expect(second.server.recorder.handshakes.first?.negotiatedProtocol == "h2")
        // Data still flows over the resumed connection.
        second.client.write("after resumption")
        second.client.channel.flush()
        try interactInMemory(second.client, second.server)
        #expect(second.server.recorder.receivedBytes == Array("after resumption".utf8))
    }

    @Test func anotherServersTicketKeysMeanAFullHandshake() throws {
        let certificates = try TestCertificates()
        let client = try certificates.clientContext()
        let first = try Self.connect(server: try certificates.serverContext(), client: client, resuming: nil)
        let session = try #require(first.clientHandler.resumableSession)

        let elsewhere = try Self.connect(server: try certificates.serverContext(), client: client, resuming: session)
        #expect(elsewhere.server.recorder.errors.isEmpty)
        #expect(elsewhere.client.recorder.errors.isEmpty)
        #expect(elsewhere.server.recorder.handshakes.count == 1)
        #expect(elsewhere.server.recorder.handshakes.first?.sessionReused == false)
        #expect(elsewhere.client.recorder.handshakes.first?.sessionReused == false)
    }

    @Test func noSessionBeforeTheServerSendsATicket() throws {
        let certificates = try TestCertificates()
        let server = try TLSServerContext(certificates: [certificates.certificate()], sessionTickets: false)
        let connection = try Self.connect(server: server, client: try certificates.clientContext(), resuming: nil)
        #expect(connection.client.recorder.handshakes.count == 1)
        #expect(connection.clientHandler.resumableSession == nil)
    }

    /// A connected pair whose client offers `session`, handshake and the server's ticket delivered.
    private static func connect(
        server: TLSServerContext, client: TLSClientContext, resuming session: TLSSession?
    ) throws -> (server: Peer, client: Peer, clientHandler: TLSHandler) {
        let clientHandler = TLSHandler(context: client, serverName: "localhost", resuming: session)
        let serverPeer = try Peer(TLSHandler(context: server))
        let clientPeer = try Peer(clientHandler)
        try serverPeer.activate()
        try clientPeer.activate()
        try interactInMemory(clientPeer, serverPeer)
        return (serverPeer, clientPeer, clientHandler)
    }
}
