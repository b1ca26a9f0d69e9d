// TEMPORARY contract stub, replaced by the real module on merge.
import NIOCore
public struct TLSCertificateFiles: Sendable, Hashable {
    public var certificatePath: String; public var keyPath: String; public var serverNames: [String]
    public init(certificatePath: String, keyPath: String, serverNames: [String] = []) { self.certificatePath = certificatePath; self.keyPath = keyPath; self.serverNames = serverNames }
}
public struct TLSError: Error {}
public final class TLSServerContext: Sendable {
    public init(certificates: [TLSCertificateFiles], alpnProtocols: [String] = ["h2", "http/1.1"], sessionTickets: Bool = true) throws(TLSError) {}
}
public struct TLSHandshakeCompleted: Sendable, Hashable { public var negotiatedProtocol: String?; public var serverName: String?; public var protocolVersion: String; public var cipher: String }
public final class TLSHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer; public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer; public typealias OutboundOut = ByteBuffer
    public init(context: TLSServerContext, handshakeTimeout: TimeAmount? = .seconds(10)) {}
}
public enum DevelopmentCertificateAuthority {
    public struct Files: Sendable, Hashable { public var caCertificatePath: String; public var caKeyPath: String; public var certificatePath: String; public var keyPath: String; public var created: Bool }
    public static func ensure(directory: String, names: [String] = ["localhost", "127.0.0.1", "::1"]) throws(TLSError) -> Files { throw TLSError() }
}
