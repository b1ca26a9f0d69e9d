internal import COpenSSL

/// A TLS session a client got from a server (in TLS 1.3, from the server's NewSessionTicket), to offer on
/// its next connection to the same server: PSK resumption, which skips the certificate and its signature.
///
/// `@unchecked Sendable` because an `SSL_SESSION` is never changed once a connection has handed it out
/// (OpenSSL copies a session before changing it and reference-counts it atomically), so any number of
/// connections, on any threads, may offer the same one. Each connection takes its own OpenSSL reference.
public final class TLSSession: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Takes over one reference (from `SSL_get1_session`).
    init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        SSL_SESSION_free(self.pointer)
    }
}
