internal import COpenSSL

/// Immutable client context (used by tests now; by the upstream client and the benchmark load client later).
public final class TLSClientContext: Sendable {
    let context: SSLContext
    /// Whether connections check the server's certificate chain and name.
    let verifyPeer: Bool

    /// trustRootsPath nil → system default verify paths; verifyPeer false only for tests/benchmarks.
    public convenience init(
        alpnProtocols: [String] = ["h2", "http/1.1"],
        trustRootsPath: String? = nil,
        verifyPeer: Bool = true
    ) throws(TLSError) {
        try self.init(
            alpnProtocols: alpnProtocols,
            trustRootsPath: trustRootsPath,
            verifyPeer: verifyPeer,
            minimumVersion: TLS1_2_VERSION,
            maximumVersion: TLS1_3_VERSION
        )
    }

    /// Test hook: cap the versions the client offers (e.g. TLS 1.2 only, or TLS 1.1 to prove it is refused).
    init(
        alpnProtocols: [String],
        trustRootsPath: String?,
        verifyPeer: Bool,
        minimumVersion: Int32,
        maximumVersion: Int32
    ) throws(TLSError) {
        let alpn = try ALPNProtocols(alpnProtocols)
        let context = try SSLContext(server: false)
        try context.applyBaseline(minimumVersion: minimumVersion, maximumVersion: maximumVersion)
        OpenSSLErrorQueue.clear()
        if !alpn.wireFormat.isEmpty {
            // Unlike most of OpenSSL, SSL_CTX_set_alpn_protos returns 0 on success.
            guard SSL_CTX_set_alpn_protos(context.pointer, alpn.wireFormat, UInt32(alpn.wireFormat.count)) == 0 else {
                throw .configuration("cannot set ALPN protocols: \(OpenSSLErrorQueue.drainReason(default: "refused"))")
            }
        }
        if let trustRootsPath {
            guard SSL_CTX_load_verify_locations(context.pointer, trustRootsPath, nil) == 1 else {
                throw .certificateFile(trustRootsPath, reason: OpenSSLErrorQueue.drainReason(default: "unreadable"))
            }
        } else if verifyPeer {
            guard SSL_CTX_set_default_verify_paths(context.pointer) == 1 else {
                throw .configuration("no system trust roots: \(OpenSSLErrorQueue.drainReason(default: "unknown"))")
            }
        }
        SSL_CTX_set_verify(context.pointer, verifyPeer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nil)
        self.context = context
        self.verifyPeer = verifyPeer
    }

    /// TLS 1.2 as an OpenSSL version number, for the test hook.
    static let tls12: Int32 = TLS1_2_VERSION
    /// TLS 1.3 as an OpenSSL version number, for the test hook.
    static let tls13: Int32 = TLS1_3_VERSION
    /// TLS 1.1 as an OpenSSL version number, for the test hook.
    static let tls11: Int32 = TLS1_1_VERSION
}
