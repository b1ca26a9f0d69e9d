import Foundation
import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayTLS

#if canImport(Glibc)
import Glibc
#endif

/// Our server handler against an independent client (`openssl s_client`) over real loopback TCP.
/// The socket is pumped by hand into an EmbeddedChannel, so no event loop threads are involved.
@Suite struct TLSInteropTests {
    @Test(.enabled(if: opensslAvailable))
    func opensslClientHandshakesVerifiesAndExchangesData() throws {
        let certificates = try TestCertificates()
        let listener = try LoopbackListener()
        defer { close(listener.descriptor) }

        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        client.arguments = [
            "s_client", "-connect", "127.0.0.1:\(listener.port)", "-servername", "localhost",
            "-alpn", "h2,http/1.1", "-CAfile", certificates.files.caCertificatePath,
            "-verify_return_error", "-verify_hostname", "localhost",
        ]
        let input = Pipe()
        let output = Pipe()
        client.standardInput = input
        client.standardOutput = output
        client.standardError = output
        try client.run()
        defer { if client.isRunning { client.terminate() } }

        let connection = try listener.accept(timeoutMilliseconds: 10_000)
        defer { close(connection) }
        let server = try Peer(TLSHandler(context: certificates.serverContext()))
        try server.activate()

        var sentGreeting = false
        var sentPing = false
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, server.channel.isActive {
            try pump(server.channel, connection)
            if !sentGreeting, !server.recorder.handshakes.isEmpty {
                server.channel.writeAndFlush(ByteBuffer(string: "hello from ssegate\n"), promise: nil)
                sentGreeting = true
            }
            if sentGreeting, !sentPing {
                input.fileHandleForWriting.write(Data("ping\n".utf8))
                sentPing = true
            }
            if String(decoding: server.recorder.receivedBytes, as: UTF8.self).contains("ping") {
                _ = server.channel.close()
            }
        }
        try pump(server.channel, connection)
        input.fileHandleForWriting.closeFile()
        client.waitUntilExit()
        let transcript = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)

        #expect(server.recorder.errors.isEmpty, "\(server.recorder.errors)")
        let handshake = try #require(server.recorder.handshakes.first)
        #expect(handshake.negotiatedProtocol == "h2")
        #expect(handshake.serverName == "localhost")
        #expect(handshake.protocolVersion == "TLSv1.3")
        #expect(server.recorder.receivedBytes == Array("ping\n".utf8))
        #expect(transcript.contains("Verify return code: 0 (ok)"), "\(transcript)")
        #expect(transcript.contains("ALPN protocol: h2"), "\(transcript)")
        #expect(transcript.contains("hello from ssegate"), "\(transcript)")
    }

    /// Moves bytes both ways between the socket and the channel until the socket has nothing for 50 ms.
    private func pump(_ channel: EmbeddedChannel, _ descriptor: Int32) throws {
        while let bytes = try channel.readOutbound(as: ByteBuffer.self) {
            var remaining = bytes
            while remaining.readableBytes > 0 {
                let sent = remaining.withUnsafeReadableBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard sent > 0 else { return }
                remaining.moveReaderIndex(forwardBy: sent)
            }
        }
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 50) > 0 else { return }
        var buffer = ByteBufferAllocator().buffer(capacity: 16_384)
        let received = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 16_384) {
            max(0, recv(descriptor, $0.baseAddress, $0.count, 0))
        }
        if received == 0 {
            _ = channel.close()
            return
        }
        try channel.writeInbound(buffer)
        while let bytes = try channel.readOutbound(as: ByteBuffer.self) {
            _ = bytes.withUnsafeReadableBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
    }
}

/// A blocking TCP listener on 127.0.0.1 with a kernel-chosen port.
private struct LoopbackListener {
    let descriptor: Int32
    let port: UInt16

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0
                    && listen(descriptor, 1) == 0
                    && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw POSIXError(.EADDRINUSE)
        }
        self.descriptor = descriptor
        self.port = UInt16(bigEndian: address.sin_port)
    }

    func accept(timeoutMilliseconds: Int32) throws -> Int32 {
        var poller = pollfd(fd: self.descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, timeoutMilliseconds) > 0 else { throw POSIXError(.ETIMEDOUT) }
        let connection = Glibc.accept(self.descriptor, nil, nil)
        guard connection >= 0 else { throw POSIXError(.ECONNABORTED) }
        return connection
    }
}
