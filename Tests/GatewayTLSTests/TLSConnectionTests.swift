import NIOCore
import Testing

@testable import GatewayTLS

/// TLSConnection on its own: two SSL objects pumped by hand, no channel.
@Suite struct TLSConnectionTests {
    private static func move(_ from: TLSConnection, to: TLSConnection) -> Bool {
        let count = from.pendingCiphertextCount
        guard count > 0, let buffer = from.takeCiphertext() else { return false }
        #expect(buffer.readableBytes == count)
        #expect(from.pendingCiphertextCount == 0)
        to.receiveCiphertext(buffer)
        return true
    }

    private static func handshake(_ server: TLSConnection, _ client: TLSConnection) {
        var done = (server: false, client: false)
        for _ in 0..<10 where !(done.server && done.client) {
            if case .complete = client.doHandshake() { done.client = true }
            _ = Self.move(client, to: server)
            if case .complete = server.doHandshake() { done.server = true }
            _ = Self.move(server, to: client)
        }
        #expect(done.server && done.client)
    }

    @Test func idleConnectionGivesBackLargeBIOBuffers() throws {
        let certificates = try TestCertificates()
        let server = try TLSConnection(server: certificates.serverContext())
        let client = try TLSConnection(client: certificates.clientContext(), serverName: "localhost")
        Self.handshake(server, client)

        let payload = ByteBuffer(repeating: 0x61, count: 64 * 1024)
        guard case .complete = client.write(payload) else {
            Issue.record("write failed")
            return
        }
        #expect(client.bioCapacity.write > 64 * 1024)
        _ = Self.move(client, to: server)
        var received = 0
        var buffer = ByteBufferAllocator().buffer(capacity: 16_384)
        readLoop: while true {
            switch server.read(into: &buffer) {
            case .progress: continue
            case .needMoreCiphertext: break readLoop
            case .closeNotify, .failed: Issue.record("unexpected read result"); break readLoop
            }
        }
        received = buffer.readableBytes
        #expect(received == payload.readableBytes)
        #expect(server.bioCapacity.read > 64 * 1024)

        server.releaseIdleBuffers()
        client.releaseIdleBuffers()
        #expect(server.bioCapacity.read == 0)
        #expect(client.bioCapacity.write == 0)

        // Still usable after the swap.
        guard case .complete = server.write(ByteBuffer(string: "ok")) else {
            Issue.record("write after release failed")
            return
        }
        #expect(Self.move(server, to: client))
        var reply = ByteBufferAllocator().buffer(capacity: 16)
        while case .progress = client.read(into: &reply) {}
        #expect(String(buffer: reply) == "ok")
    }

    @Test func shutdownProducesCloseNotifyThePeerSees() throws {
        let certificates = try TestCertificates()
        let server = try TLSConnection(server: certificates.serverContext())
        let client = try TLSConnection(client: certificates.clientContext(), serverName: "localhost")
        Self.handshake(server, client)
        server.shutdown()
        #expect(Self.move(server, to: client))
        var buffer = ByteBufferAllocator().buffer(capacity: 16)
        var sawCloseNotify = false
        for _ in 0..<4 {
            if case .closeNotify = client.read(into: &buffer) { sawCloseNotify = true; break }
        }
        #expect(sawCloseNotify)
    }
}
