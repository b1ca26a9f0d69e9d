internal import CGatewayShims
internal import COpenSSL

/// A certificate chain and key in PEM files, and the SNI names it serves.
public struct TLSCertificateFiles: Sendable, Hashable {
    /// PEM file: the leaf certificate first, then intermediates.
    public var certificatePath: String
    /// PEM private key file.
    public var keyPath: String
    /// SNI names, exact or "*.example.com"; empty means the certificate is only used as the default.
    public var serverNames: [String]

    public init(certificatePath: String, keyPath: String, serverNames: [String] = []) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.serverNames = serverNames
    }
}

/// Immutable server context: one SSL_CTX per certificate, SNI picks one; first certificate is the default.
///
/// Maintainer note: every `SSL_CTX` carries an *unretained* pointer to this object for its SNI and ALPN
/// callbacks. That is safe because each `TLSConnection` keeps this object alive for as long as its `SSL*`
/// exists, and OpenSSL only calls back from inside that connection's handshake.
public final class TLSServerContext: Sendable {
    /// One per certificate, in configuration order; index 0 is the default.
    let contexts: [SSLContext]
    private let serverNames: ServerNameTable
    private let alpn: ALPNProtocols
    /// Pending TLS-ALPN-01 challenges, when this context answers them.
    private let acmeChallenges: TLSALPNChallengeStore?

    /// - Parameter acmeChallenges: when given, a handshake that offers ALPN `acme-tls/1` for a name with a
    ///   pending challenge gets the challenge certificate and `acme-tls/1`, and the connection closes right
    ///   after the handshake (RFC 8737 §3). Every other handshake is unchanged.
    public init(
        certificates: [TLSCertificateFiles],
        alpnProtocols: [String] = ["h2", "http/1.1"],
        sessionTickets: Bool = true,
        acmeChallenges: TLSALPNChallengeStore? = nil
    ) throws(TLSError) {
        guard !certificates.isEmpty else { throw .configuration("at least one certificate is required") }
        self.acmeChallenges = acmeChallenges
        self.alpn = try ALPNProtocols(alpnProtocols)
        self.serverNames = ServerNameTable(certificates.map(\.serverNames))
        var contexts: [SSLContext] = []
        for files in certificates {
            let context = try SSLContext(server: true)
            try context.applyBaseline()
            try context.applyServerSessionPolicy(sessionTickets: sessionTickets)
            try context.loadCertificate(files)
            contexts.append(context)
        }
        self.contexts = contexts

        let owner = Unmanaged.passUnretained(self).toOpaque()
        for context in contexts {
            // ALPN is decided after the SNI switch, on whichever SSL_CTX is then current, so every
            // context gets the callback.
            // No ALPN at all (NOACK) when nothing overlaps, so that the connection carries on and the server
            // falls back to HTTP/1.1.
            SSL_CTX_set_alpn_select_cb(context.pointer, { _, out, outLength, input, inputLength, arg in
                guard let arg else { return SSL_TLSEXT_ERR_NOACK }
                return TLSServerContext.owner(arg).alpn.answerSelectCallback(
                    out, outLength, input, inputLength, noMatch: SSL_TLSEXT_ERR_NOACK)
            }, owner)
            _ = CGatewayShims_SSL_CTX_set_tlsext_servername_callback(context.pointer) { ssl, _, arg in
                guard let ssl, let arg else { return SSL_TLSEXT_ERR_OK }
                return TLSServerContext.owner(arg).serverNameReceived(ssl)
            }
            _ = CGatewayShims_SSL_CTX_set_tlsext_servername_arg(context.pointer, owner)
        }
        if acmeChallenges != nil {
            // Every SSL starts on the default context, whose client-hello callback runs before SNI, ALPN
            // and certificate selection: the one point where a challenge can still change the certificate
            // for both TLS 1.2 and 1.3 (OpenSSL picks ALPN after the certificate in TLS 1.2).
            SSL_CTX_set_client_hello_cb(contexts[0].pointer, { ssl, _, arg in
                guard let ssl, let arg else { return SSL_CLIENT_HELLO_SUCCESS }
                return TLSServerContext.owner(arg).clientHelloReceived(ssl)
            }, owner)
        }
    }

    /// The context behind a callback's arg (unretained: see the maintainer note).
    private static func owner(_ arg: UnsafeMutableRawPointer) -> TLSServerContext {
        Unmanaged<TLSServerContext>.fromOpaque(arg).takeUnretainedValue()
    }

    /// A ClientHello arrived: if it offers `acme-tls/1` for a name with a pending TLS-ALPN-01 challenge,
    /// move the connection to that challenge's context (certificate, `acme-tls/1`-only ALPN).
    private func clientHelloReceived(_ ssl: OpaquePointer) -> Int32 {
        guard let store = self.acmeChallenges,
              let alpn = Self.clientHelloExtension(ssl, type: TLSEXT_TYPE_application_layer_protocol_negotiation),
              ClientHelloExtensions.offersACMETLS(alpnExtension: alpn),
              let sni = Self.clientHelloExtension(ssl, type: TLSEXT_TYPE_server_name),
              let name = ClientHelloExtensions.hostName(fromServerNameExtension: sni),
              let challenge = store.context(forServerName: name)
        else { return SSL_CLIENT_HELLO_SUCCESS }
        _ = SSL_set_SSL_CTX(ssl, challenge.pointer)
        return SSL_CLIENT_HELLO_SUCCESS
    }

    /// The raw bytes of one ClientHello extension; valid only inside the client-hello callback.
    private static func clientHelloExtension(_ ssl: OpaquePointer, type: Int32) -> UnsafeRawBufferPointer? {
        var data: UnsafePointer<UInt8>?
        var length = 0
        guard SSL_client_hello_get0_ext(ssl, UInt32(type), &data, &length) == 1, let data else { return nil }
        return UnsafeRawBufferPointer(start: data, count: length)
    }

    /// The client's SNI arrived: switch to the matching certificate's SSL_CTX. Unknown names keep the
    /// default certificate rather than failing the handshake (the client decides whether it trusts it).
    private func serverNameReceived(_ ssl: OpaquePointer) -> Int32 {
        guard let name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) else { return SSL_TLSEXT_ERR_OK }
        if let index = self.serverNames.certificateIndex(for: String(cString: name)), index != 0 {
            _ = SSL_set_SSL_CTX(ssl, self.contexts[index].pointer)
        }
        return SSL_TLSEXT_ERR_OK
    }
}
