import Foundation
import GatewayConfig
import GatewayTestSupport
import Synchronization
import Testing

/// TLS 1.3 session resumption with a real client: `openssl s_client` saves the gateway's ticket
/// (`-sess_out`) and offers it on its next connection (`-sess_in`), where the handshake is a PSK resumption
/// ("Reused") that still answers the request. A reload builds new `SSL_CTX`s, whose ticket keys are new, so
/// tickets from before it no longer resume (a full handshake instead); with `tls.session_tickets: false`
/// no ticket is sent at all.
@Suite struct SessionResumptionTests {
    @Test(.timeLimit(.minutes(2)))
    func opensslClientResumesAndAReloadRotatesTheTicketKeys() async throws {
        let running = Mutex<GatewayConfiguration?>(nil)
        let gateway = try await TestGateway.start(reloadSource: TestGateway.ReloadSource {
            guard let configuration = running.withLock({ $0 }) else { throw ReloadSourceNotReady() }
            return configuration
        })
        running.withLock { $0 = gateway.server.configuration }
        let session = gateway.directory + "/session.pem"

        let first = try await Self.request(gateway, saving: session)
        #expect(first.contains("New, TLSv1.3"), "\(first)")
        #expect(first.contains("HTTP/1.1 200"), "\(first)")
        let resumed = try await Self.request(gateway, offering: session)
        #expect(resumed.contains("Reused, TLSv1.3"), "\(resumed)")
        #expect(resumed.contains("HTTP/1.1 200"), "\(resumed)")

        #expect(await gateway.server.reload().succeeded)
        let afterReload = try await Self.request(gateway, offering: session)
        #expect(afterReload.contains("New, TLSv1.3"), "\(afterReload)")
        #expect(afterReload.contains("HTTP/1.1 200"), "\(afterReload)")
        await gateway.stop()
    }

    @Test(.timeLimit(.minutes(2)))
    func withoutTicketsNoTicketIsSent() async throws {
        let gateway = try await TestGateway.start { $0.tls.sessionTickets = false }
        let session = gateway.directory + "/session.pem"
        let first = try await Self.request(gateway, saving: session)
        #expect(first.contains("New, TLSv1.3"), "\(first)")
        #expect(first.contains("HTTP/1.1 200"), "\(first)")
        // s_client saves a TLS 1.3 session only when a ticket arrives (the first test shows it does then).
        #expect(!FileManager.default.fileExists(atPath: session), "a ticket arrived although tickets are off")
        await gateway.stop()
    }

    private struct ReloadSourceNotReady: Error {}

    /// One `GET /healthz` over a new TLS connection (HTTP/1.1, `Connection: close`, so s_client reads until
    /// the gateway closes and has the ticket by then); s_client's whole transcript.
    private static func request(_ gateway: TestGateway, saving: String? = nil, offering: String? = nil) async throws -> String {
        var client = "openssl s_client -connect 127.0.0.1:\(gateway.tlsPort) -servername localhost -alpn http/1.1"
            + " -CAfile '\(gateway.caPath)' -verify_return_error -ign_eof"
        if let saving { client += " -sess_out '\(saving)'" }
        if let offering { client += " -sess_in '\(offering)'" }
        let script = #"printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' | "# + client + " 2>&1"
        return try await ChildProcess.run("sh", ["-c", script]).output
    }
}
