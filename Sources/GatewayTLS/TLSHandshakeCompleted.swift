/// Fired inbound (fireUserInboundEventTriggered) once the handshake completes.
public struct TLSHandshakeCompleted: Sendable, Hashable {
    /// ALPN result, e.g. "h2", "http/1.1", or nil when the peers agreed on none.
    public var negotiatedProtocol: String?
    /// SNI the client sent (server side) / we sent (client side; nil for IP literals, which SNI forbids).
    public var serverName: String?
    /// e.g. "TLSv1.3".
    public var protocolVersion: String
    /// OpenSSL's cipher name, e.g. "TLS_AES_128_GCM_SHA256".
    public var cipher: String
    /// Whether the handshake resumed an earlier session (TLS 1.3 PSK from a ticket) instead of a full one.
    public var sessionReused: Bool

    public init(negotiatedProtocol: String?, serverName: String?, protocolVersion: String, cipher: String, sessionReused: Bool = false) {
        self.negotiatedProtocol = negotiatedProtocol
        self.serverName = serverName
        self.protocolVersion = protocolVersion
        self.cipher = cipher
        self.sessionReused = sessionReused
    }
}
