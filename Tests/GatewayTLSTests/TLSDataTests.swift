import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayTLS

@Suite struct TLSDataTests {
    @Test func applicationDataFlowsBothWaysInOrder() throws {
        let certificates = try TestCertificates()
        let (server, client) = try connectedPair(server: certificates.serverContext(), client: certificates.clientContext())

        var big = [UInt8](repeating: 0, count: 1 << 20)
        for index in big.indices { big[index] = UInt8(truncatingIfNeeded: index &* 31 &+ index >> 8) }
        client.write("hello ")
        client.channel.writeAndFlush(ByteBuffer(bytes: big), promise: nil)
        client.write(" bye")
        client.channel.flush()
        server.channel.writeAndFlush(ByteBuffer(string: "pong"), promise: nil)
        try interactInMemory(client, server)

        #expect(server.recorder.receivedBytes == Array("hello ".utf8) + big + Array(" bye".utf8))
        #expect(server.recorder.reads.allSatisfy { $0.readableBytes <= 16_384 })
        #expect(client.recorder.receivedBytes == Array("pong".utf8))
        #expect(server.recorder.errors.isEmpty && client.recorder.errors.isEmpty)
    }

    @Test func manyWritesThenOneFlushLeaveAsOneBuffer() throws {
        let certificates = try TestCertificates()
        let (server, client) = try connectedPair(server: certificates.serverContext(), client: certificates.clientContext())

        var promises: [EventLoopFuture<Void>] = []
        for index in 0..<20 {
            let promise = server.channel.eventLoop.makePromise(of: Void.self)
            server.channel.write(ByteBuffer(string: "event \(index)\n"), promise: promise)
            promises.append(promise.futureResult)
        }
        #expect(try server.channel.readOutbound(as: ByteBuffer.self) == nil)  // nothing before the flush
        server.channel.flush()
        let batch = try #require(try server.channel.readOutbound(as: ByteBuffer.self))
        #expect(try server.channel.readOutbound(as: ByteBuffer.self) == nil)  // exactly one buffer
        for future in promises { try future.wait() }

        try client.channel.writeInbound(batch)
        let expected = (0..<20).map { "event \($0)\n" }.joined()
        #expect(String(decoding: client.recorder.receivedBytes, as: UTF8.self) == expected)
    }

    @Test func writesBeforeTheHandshakeAreDeliveredAfterIt() throws {
        let certificates = try TestCertificates()
        let server = try Peer(TLSHandler(context: certificates.serverContext()))
        let client = try Peer(TLSHandler(context: certificates.clientContext(), serverName: "localhost"))
        try server.activate()
        try client.activate()
        let promise = client.channel.eventLoop.makePromise(of: Void.self)
        client.channel.writeAndFlush(ByteBuffer(string: "early"), promise: promise)
        try interactInMemory(client, server)
        try promise.futureResult.wait()
        #expect(server.recorder.receivedBytes == Array("early".utf8))
    }

    @Test func serverCloseSendsCloseNotifyAndTheClientClosesCleanly() throws {
        let certificates = try TestCertificates()
        let (server, client) = try connectedPair(server: certificates.serverContext(), client: certificates.clientContext())
        server.channel.write(ByteBuffer(string: "last words"), promise: nil)
        let closed = server.channel.close()
        #expect(!server.channel.isActive)
        try closed.wait()
        try interactInMemory(server, client)

        #expect(client.recorder.receivedBytes == Array("last words".utf8))
        #expect(client.recorder.errors.isEmpty, "\(client.recorder.errors)")
        #expect(client.recorder.becameInactive)
        #expect(!client.channel.isActive)
        #expect(server.recorder.errors.isEmpty)
    }

    @Test func clientReplyToCloseNotifyIsSentBeforeItCloses() throws {
        let certificates = try TestCertificates()
        let (server, client) = try connectedPair(server: certificates.serverContext(), client: certificates.clientContext())
        try server.channel.close().wait()
        let closeNotify = try #require(try server.channel.readOutbound(as: ByteBuffer.self))
        try client.channel.writeInbound(closeNotify)
        // The client answers with its own close_notify (a small alert record) and closes.
        let reply = try #require(try client.channel.readOutbound(as: ByteBuffer.self))
        #expect(reply.readableBytes > 0 && reply.readableBytes < 64)
        #expect(!client.channel.isActive)
    }

    @Test func writeAfterCloseFails() throws {
        let certificates = try TestCertificates()
        let (server, client) = try connectedPair(server: certificates.serverContext(), client: certificates.clientContext())
        try server.channel.close().wait()
        try interactInMemory(server, client)
        let future = client.channel.writeAndFlush(ByteBuffer(string: "too late"))
        #expect(throws: (any Error).self) { try future.wait() }
    }

    @Test func garbageFromThePeerIsAProtocolOrHandshakeError() throws {
        let certificates = try TestCertificates()
        let server = try Peer(TLSHandler(context: certificates.serverContext()))
        try server.activate()
        try server.channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(server.recorder.tlsErrors.first?.kind == .handshakeFailed)
        #expect(!server.channel.isActive)
    }

    @Test func corruptedRecordAfterTheHandshakeIsAProtocolFailure() throws {
        let certificates = try TestCertificates()
        let (server, client) = try connectedPair(server: certificates.serverContext(), client: certificates.clientContext())
        client.channel.writeAndFlush(ByteBuffer(string: "secret"), promise: nil)
        var record = try #require(try client.channel.readOutbound(as: ByteBuffer.self))
        let last = record.writerIndex - 1
        record.setInteger(record.getInteger(at: last, as: UInt8.self)! ^ 0xFF, at: last)
        try server.channel.writeInbound(record)
        #expect(server.recorder.tlsErrors.first?.kind == .protocolFailure)
        #expect(server.recorder.receivedBytes.isEmpty)
        #expect(!server.channel.isActive)
    }
}

/// Answers like an HTTP/2 server does: a write and flush on the handshake (SETTINGS), on every read (the
/// response) and on read complete.
private final class FlushingAnswerer: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private func say(_ text: String, _ context: ChannelHandlerContext) {
        context.writeAndFlush(self.wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
    }

    private var secured = false

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is TLSHandshakeCompleted {
            self.secured = true
            self.say("settings;", context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.say("reply;", context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if self.secured { self.say("done;", context) }
    }
}

@Suite struct TLSReadCycleTests {
    @Test func everyFlushOfOneReadCycleLeavesAsOneWrite() throws {
        let certificates = try TestCertificates()
        let server = EmbeddedChannel()
        try server.pipeline.syncOperations.addHandlers(TLSHandler(context: certificates.serverContext()), FlushingAnswerer())
        try server.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        let client = try Peer(TLSHandler(context: certificates.clientContext(), serverName: "localhost"))
        try client.activate()
        client.channel.writeAndFlush(ByteBuffer(string: "request"), promise: nil)  // rides with the client's Finished

        // ClientHello in, the server's flight out, then the client's Finished and request as one TCP read.
        while let hello = try client.channel.readOutbound(as: ByteBuffer.self) { try server.writeInbound(hello) }
        while let flight = try server.readOutbound(as: ByteBuffer.self) { try client.channel.writeInbound(flight) }
        var finished = ByteBuffer()
        while var part = try client.channel.readOutbound(as: ByteBuffer.self) { finished.writeBuffer(&part) }
        try server.writeInbound(finished)

        // Ticket, settings, reply and done: one buffer, one syscall.
        let answer = try #require(try server.readOutbound(as: ByteBuffer.self))
        #expect(try server.readOutbound(as: ByteBuffer.self) == nil)
        try client.channel.writeInbound(answer)
        #expect(String(decoding: client.recorder.receivedBytes, as: UTF8.self) == "settings;reply;done;")

        // Outside a read cycle a flush still writes at once.
        server.writeAndFlush(ByteBuffer(string: "event"), promise: nil)
        #expect(try server.readOutbound(as: ByteBuffer.self) != nil)
    }
}
