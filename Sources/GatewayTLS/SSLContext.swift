internal import CGatewayShims
internal import COpenSSL

/// Owns one `SSL_CTX` and applies the settings shared by the server and client sides.
///
/// `@unchecked Sendable` because an `SSL_CTX` is only mutated while it is being built (inside the
/// `TLSServerContext`/`TLSClientContext` initialisers); afterwards OpenSSL allows it to be shared by
/// connections on any thread (man SSL_CTX_new: "should not be changed after it is used to create any SSL
/// objects"). Connections take their own OpenSSL reference, so freeing here never pulls it from under them.
final class SSLContext: @unchecked Sendable {
    /// Mozilla "intermediate" (guideline 6.0) for OpenSSL 3.0; the ML-KEM hybrid group needs OpenSSL ≥ 3.5.
    enum Mozilla {
        static let tls12Ciphers = """
            ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:\
            ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305
            """
        static let tls13Suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
        static let groups = "X25519:prime256v1:secp384r1"
    }

    /// The `SSL_CTX*`; only `TLSConnection` uses it, to create `SSL` objects.
    let pointer: OpaquePointer

    init(server: Bool) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        guard let pointer = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()) else {
            throw .configuration(OpenSSLErrorQueue.drainReason(default: "SSL_CTX_new failed"))
        }
        self.pointer = pointer
    }

    deinit {
        SSL_CTX_free(self.pointer)
    }

    /// Protocol versions, Mozilla intermediate ciphers and groups, no renegotiation or compression,
    /// and `SSL_MODE_RELEASE_BUFFERS` (~34 KB less per idle connection; we aim at 1M idle streams).
    func applyBaseline(minimumVersion: Int32 = TLS1_2_VERSION, maximumVersion: Int32 = TLS1_3_VERSION) throws(TLSError) {
        try self.check(
            CGatewayShims_SSL_CTX_set_min_proto_version(self.pointer, minimumVersion) == 1,
            "cannot set minimum protocol version"
        )
        try self.check(
            CGatewayShims_SSL_CTX_set_max_proto_version(self.pointer, maximumVersion) == 1,
            "cannot set maximum protocol version"
        )
        if minimumVersion < TLS1_2_VERSION {
            // Only test clients go below TLS 1.2 (to prove the server refuses them). OpenSSL's default
            // security level would stop such a client before it sends anything, so lower it there.
            SSL_CTX_set_security_level(self.pointer, 0)
        } else {
            try self.check(SSL_CTX_set_cipher_list(self.pointer, Mozilla.tls12Ciphers) == 1, "bad TLS 1.2 cipher list")
        }
        try self.check(SSL_CTX_set_ciphersuites(self.pointer, Mozilla.tls13Suites) == 1, "bad TLS 1.3 suites")
        try self.check(CGatewayShims_SSL_CTX_set1_groups_list(self.pointer, Mozilla.groups) == 1, "bad groups list")
        // SSL_OP_CIPHER_SERVER_PREFERENCE stays off: the client picks the order (Mozilla
        // `server_preferred_order: false`; every suite on the list is strong, and clients know whether
        // they have AES hardware).
        SSL_CTX_set_options(
            self.pointer,
            CGatewayShims_SSL_OP_NO_RENEGOTIATION() | CGatewayShims_SSL_OP_NO_COMPRESSION()
        )
        _ = CGatewayShims_SSL_CTX_set_mode(self.pointer, Int(SSL_MODE_RELEASE_BUFFERS))
    }

    /// Stateless tickets (one per handshake) or none; never the stateful server cache, which would cost
    /// memory per session. 0-RTT stays off (replay risk, and it would force stateful tickets).
    func applyServerSessionPolicy(sessionTickets: Bool) throws(TLSError) {
        _ = CGatewayShims_SSL_CTX_set_session_cache_mode(self.pointer, Int(SSL_SESS_CACHE_OFF))
        if !sessionTickets {
            SSL_CTX_set_options(self.pointer, CGatewayShims_SSL_OP_NO_TICKET())
        }
        try self.check(SSL_CTX_set_num_tickets(self.pointer, sessionTickets ? 1 : 0) == 1, "cannot set ticket count")
        try self.check(SSL_CTX_set_max_early_data(self.pointer, 0) == 1, "cannot disable early data")
    }

    /// Loads a PEM chain (leaf first) and its key, and checks that they belong together.
    func loadCertificate(_ files: TLSCertificateFiles) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        guard SSL_CTX_use_certificate_chain_file(self.pointer, files.certificatePath) == 1 else {
            throw .certificateFile(files.certificatePath, reason: OpenSSLErrorQueue.drainReason(default: "unreadable"))
        }
        guard SSL_CTX_use_PrivateKey_file(self.pointer, files.keyPath, SSL_FILETYPE_PEM) == 1 else {
            let reason = OpenSSLErrorQueue.drainReason(default: "unreadable")
            // OpenSSL already compares the key with the certificate here. Tell "wrong key" apart from
            // "unreadable key" by whether the file parses as a key on its own.
            _ = try PrivateKey.load(pemFile: files.keyPath, failureReason: reason)
            throw .keyMismatch(files.keyPath)
        }
        guard SSL_CTX_check_private_key(self.pointer) == 1 else {
            OpenSSLErrorQueue.clear()
            throw .keyMismatch(files.keyPath)
        }
    }

    /// Uses a certificate and key built in memory (the TLS-ALPN-01 challenge certificate); OpenSSL takes
    /// its own references, so the Swift owners may go away afterwards.
    func use(certificate: Certificate, key: PrivateKey) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        try self.check(SSL_CTX_use_certificate(self.pointer, certificate.pointer) == 1, "cannot use certificate")
        try self.check(SSL_CTX_use_PrivateKey(self.pointer, key.pointer) == 1, "cannot use private key")
        try self.check(SSL_CTX_check_private_key(self.pointer) == 1, "key does not match certificate")
    }

    // MARK: Settings as applied, for tests that each configuration argument arrives

    var ticketCount: Int { Int(SSL_CTX_get_num_tickets(self.pointer)) }
    var ticketsDisabled: Bool { SSL_CTX_get_options(self.pointer) & CGatewayShims_SSL_OP_NO_TICKET() != 0 }
    var renegotiationDisabled: Bool {
        SSL_CTX_get_options(self.pointer) & CGatewayShims_SSL_OP_NO_RENEGOTIATION() != 0
    }
    var releasesBuffers: Bool {
        CGatewayShims_SSL_CTX_get_mode(self.pointer) & Int(SSL_MODE_RELEASE_BUFFERS) != 0
    }
    var versionRange: ClosedRange<Int32> {
        CGatewayShims_SSL_CTX_get_min_proto_version(self.pointer)...CGatewayShims_SSL_CTX_get_max_proto_version(self.pointer)
    }

    private func check(_ succeeded: Bool, _ what: String) throws(TLSError) {
        guard succeeded else {
            throw .configuration("\(what): \(OpenSSLErrorQueue.drainReason(default: "OpenSSL refused it"))")
        }
    }
}
