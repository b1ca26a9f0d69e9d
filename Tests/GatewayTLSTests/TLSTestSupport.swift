import Foundation
import NIOCore
import NIOEmbedded

@testable import GatewayTLS

/// A fresh directory under the system temp dir, unique per call.
func makeTemporaryDirectory() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-tls-\(UUID().uuidString)").path
}

/// Sits after the TLSHandler and remembers everything that reaches it (and swallows it, so that
/// EmbeddedChannel never rethrows errors we want to inspect).
final class EventRecorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    var reads: [ByteBuffer] = []
    var handshakes: [TLSHandshakeCompleted] = []
    var errors: [Error] = []
    var becameInactive = false

    var receivedBytes: [UInt8] { self.reads.flatMap { Array($0.readableBytesView) } }
    var tlsErrors: [TLSError] { self.errors.compactMap { $0 as? TLSError } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.reads.append(self.unwrapInboundIn(data))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let handshake = event as? TLSHandshakeCompleted { self.handshakes.append(handshake) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.errors.append(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.becameInactive = true
    }
}

/// One side of an in-memory TLS connection.
struct Peer {
    let channel: EmbeddedChannel
    let recorder: EventRecorder

    init(_ handler: TLSHandler) throws {
        self.recorder = EventRecorder()
        self.channel = EmbeddedChannel()
        try self.channel.pipeline.syncOperations.addHandlers(handler, self.recorder)
    }

    func activate() throws {
        try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
    }

    func write(_ string: String) {
        self.channel.write(ByteBuffer(string: string), promise: nil)
    }
}

/// Moves ciphertext between the two peers until neither has anything left to send.
func interactInMemory(_ first: Peer, _ second: Peer) throws {
    var moved = true
    while moved {
        moved = false
        for (from, to) in [(first, second), (second, first)] {
            while let bytes = try from.channel.readOutbound(as: ByteBuffer.self) {
                moved = true
                if to.channel.isActive { try to.channel.writeInbound(bytes) }
            }
        }
    }
}

/// Certificates for tests, generated once per directory.
struct TestCertificates {
    let files: DevelopmentCertificateAuthority.Files

    init(names: [String] = ["localhost", "127.0.0.1", "::1"]) throws {
        self.files = try DevelopmentCertificateAuthority.ensure(directory: makeTemporaryDirectory(), names: names)
    }

    func certificate(serverNames: [String] = []) -> TLSCertificateFiles {
        TLSCertificateFiles(certificatePath: self.files.certificatePath, keyPath: self.files.keyPath, serverNames: serverNames)
    }

    func serverContext(alpn: [String] = ["h2", "http/1.1"]) throws -> TLSServerContext {
        try TLSServerContext(certificates: [self.certificate()], alpnProtocols: alpn)
    }

    func clientContext(alpn: [String] = ["h2", "http/1.1"]) throws -> TLSClientContext {
        try TLSClientContext(alpnProtocols: alpn, trustRootsPath: self.files.caCertificatePath)
    }
}

/// Server and client connected in memory, handshake run to completion (or failure).
func connectedPair(
    server: TLSServerContext,
    client: TLSClientContext,
    serverName: String? = "localhost"
) throws -> (server: Peer, client: Peer) {
    let serverPeer = try Peer(TLSHandler(context: server))
    let clientPeer = try Peer(TLSHandler(context: client, serverName: serverName))
    try serverPeer.activate()
    try clientPeer.activate()
    try interactInMemory(clientPeer, serverPeer)
    return (serverPeer, clientPeer)
}

/// Tests that shell out to the `openssl` command-line tool need it installed.
let opensslAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")

/// Runs a command-line tool and returns its combined output and exit status.
func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
