internal import CGatewayShims
internal import COpenSSL
import GatewayLiveObjects
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns one `SSL*` and its two BIOs: ciphertext from the network goes into `readBIO` (a memory BIO),
/// ciphertext for the network collects in `outbound` (through `writeBIO`, a `CiphertextSink`). Each method
/// is one OpenSSL operation with a small result enum.
///
/// Not thread-safe: a connection lives on its channel's event loop.
final class TLSConnection {
    enum HandshakeResult {
        case incomplete
        case complete
        case failed([String])
    }

    enum ReadResult {
        /// Some plaintext was appended to the buffer; call again.
        case progress
        /// Every complete record has been consumed; wait for more ciphertext.
        case needMoreCiphertext
        /// The peer sent close_notify.
        case closeNotify
        case failed([String])
    }

    enum WriteResult {
        case complete
        case failed([String])
    }

    private let ssl: OpaquePointer
    /// Owned by `ssl` (SSL_set_bio).
    private let readBIO: OpaquePointer
    /// Owned by `ssl` (SSL_set_bio); appends to `outbound`.
    private let writeBIO: OpaquePointer
    /// Ciphertext written by OpenSSL and not yet taken (nil when there is none, so an idle connection
    /// holds no buffer).
    private var outbound: ByteBuffer?
    private static let allocator = ByteBufferAllocator()
    /// The loop's reusable buffer for large ciphertext (nil: always allocate, as clients do).
    private let largeWrites: LargeWriteBuffer?
    /// The context whose SSL_CTX callbacks hold an unretained pointer to it; see `TLSServerContext`.
    private let owner: AnyObject
    /// The SNI name we sent (client side only).
    private let sentServerName: String?
    private let isServer: Bool

    init(server context: TLSServerContext, largeWrites: LargeWriteBuffer? = nil) throws(TLSError) {
        (self.ssl, self.readBIO, self.writeBIO) = try Self.makeSSL(context.contexts[0])
        self.owner = context
        self.largeWrites = largeWrites
        self.sentServerName = nil
        self.isServer = true
        LiveObjects.tlsConnections.created()
        CiphertextSink.attach(self.writeBIO, to: self)
        SSL_set_accept_state(self.ssl)
    }

    /// - Parameter session: a session from an earlier connection to offer for resumption (the server
    ///   decides; a session it cannot use costs nothing but a full handshake).
    init(client context: TLSClientContext, serverName: String?, resuming session: TLSSession? = nil) throws(TLSError) {
        (self.ssl, self.readBIO, self.writeBIO) = try Self.makeSSL(context.context)
        self.owner = context
        self.largeWrites = nil
        self.isServer = false
        let isIPLiteral = serverName.map(Self.isIPLiteral) ?? false
        // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in HostName".
        self.sentServerName = isIPLiteral ? nil : serverName
        LiveObjects.tlsConnections.created()  // before the throws below: a throw from here on runs deinit
        CiphertextSink.attach(self.writeBIO, to: self)
        SSL_set_connect_state(self.ssl)
        if let session {
            guard SSL_set_session(self.ssl, session.pointer) == 1 else {  // takes its own reference
                throw .configuration("cannot offer the session: \(OpenSSLErrorQueue.drainReason(default: "refused"))")
            }
        }
        if let serverName {
            if !isIPLiteral {
                guard CGatewayShims_SSL_set_tlsext_host_name(self.ssl, serverName) == 1 else {
                    throw .configuration("invalid server name \"\(serverName)\"")
                }
            }
            if context.verifyPeer {
                let nameAccepted = isIPLiteral
                    ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(self.ssl), serverName) == 1
                    : SSL_set1_host(self.ssl, serverName) == 1
                guard nameAccepted else { throw .configuration("cannot verify against \"\(serverName)\"") }
            }
        }
    }

    deinit {
        SSL_free(self.ssl)  // also frees both BIOs
        LiveObjects.tlsConnections.destroyed()
    }

    private static func makeSSL(_ context: SSLContext) throws(TLSError) -> (OpaquePointer, OpaquePointer, OpaquePointer) {
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(context.pointer) else {
            throw .configuration(OpenSSLErrorQueue.drainReason(default: "SSL_new failed"))
        }
        guard let readBIO = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw .configuration(OpenSSLErrorQueue.drainReason(default: "BIO_new failed"))
        }
        guard let writeBIO = CiphertextSink.make() else {
            BIO_free(readBIO)
            SSL_free(ssl)
            throw .configuration(OpenSSLErrorQueue.drainReason(default: "BIO_new failed"))
        }
        SSL_set_bio(ssl, readBIO, writeBIO)
        return (ssl, readBIO, writeBIO)
    }

    static func isIPLiteral(_ name: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET, name, &address) == 1 || inet_pton(AF_INET6, name, &address) == 1
    }

    // MARK: Ciphertext in and out

    /// Queues ciphertext from the network for OpenSSL to read.
    func receiveCiphertext(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                // A memory BIO write only fails when out of memory; Int32 bounds each call.
                let chunk = min(bytes.count - offset, Int(Int32.max))
                let written = BIO_write(self.readBIO, bytes.baseAddress! + offset, Int32(chunk))
                guard written > 0 else { return }
                offset += Int(written)
            }
        }
    }

    /// Bytes of ciphertext waiting to be sent.
    var pendingCiphertextCount: Int {
        self.outbound?.readableBytes ?? 0
    }

    /// All pending ciphertext, in one buffer (nil when there is none). A large buffer is also given back to
    /// the loop's `LargeWriteBuffer`, which reuses it once the channel has written it.
    func takeCiphertext() -> ByteBuffer? {
        defer { self.outbound = nil }
        if let outbound = self.outbound { self.largeWrites?.giveBack(outbound) }
        return self.outbound
    }

    /// Called by the write BIO for every record (or handshake flight) OpenSSL writes.
    func appendCiphertext(_ bytes: UnsafeRawBufferPointer) {
        if self.outbound == nil {
            self.outbound = self.freshOutbound(capacity: bytes.count)
        }
        self.outbound!.writeBytes(bytes)
    }

    /// Makes room for the ciphertext of `plaintextCount` more bytes before OpenSSL writes it, so `outbound`
    /// is sized once instead of doubling record by record (each doubling a copy into fresh pages).
    private func reserveCiphertext(forPlaintext plaintextCount: Int) {
        let needed = Self.ciphertextEstimate(plaintext: plaintextCount)
        guard let current = self.outbound else {
            self.outbound = self.freshOutbound(capacity: needed)
            return
        }
        guard current.writableBytes < needed else { return }
        let total = current.readableBytes + needed
        if total >= LargeWriteBuffer.minimumKeptCapacity, var reused = self.largeWrites?.borrow() {
            reused.reserveCapacity(total)
            reused.writeImmutableBuffer(current)
            self.outbound = reused
        } else {
            self.outbound!.reserveCapacity(minimumWritableBytes: needed)
        }
    }

    /// An empty buffer for at least `capacity` bytes: the loop's large buffer when it is free and the
    /// ciphertext is large, a new one otherwise.
    private func freshOutbound(capacity: Int) -> ByteBuffer {
        if capacity >= LargeWriteBuffer.minimumKeptCapacity, var reused = self.largeWrites?.borrow() {
            reused.reserveCapacity(capacity)  // unique, so this grows it in place at most
            return reused
        }
        return Self.allocator.buffer(capacity: capacity)
    }

    /// Upper bound of the ciphertext for `plaintext` bytes: each record of up to 16 KiB adds at most 5
    /// header bytes, an 8-byte explicit nonce (TLS 1.2 GCM), a content type byte (TLS 1.3) and a 16-byte tag.
    static func ciphertextEstimate(plaintext: Int) -> Int {
        plaintext + (plaintext / 16_384 + 1) * 32
    }

    /// With SSL_MODE_RELEASE_BUFFERS OpenSSL frees its record buffers when idle, but a memory BIO keeps the
    /// largest buffer it ever grew to, even when empty (typically 0.4–1.5 KiB per connection after the
    /// handshake). Give the empty read BIO a fresh BUF_MEM that owns no storage, so an idle connection holds
    /// none; the next read costs one malloc, which is far cheaper than the SSL_read around it. (The write
    /// side holds nothing once its ciphertext is taken.)
    func releaseIdleBuffers() {
        Self.dropStorageIfEmpty(self.readBIO)
    }

    /// Bytes allocated for ciphertext in and out (for tests of the idle footprint).
    var bioCapacity: (read: Int, write: Int) {
        (Self.capacity(of: self.readBIO), self.outbound?.capacity ?? 0)
    }

    private static func dropStorageIfEmpty(_ bio: OpaquePointer) {
        guard BIO_ctrl_pending(bio) == 0, Self.capacity(of: bio) > 0, let fresh = BUF_MEM_new() else { return }
        _ = CGatewayShims_BIO_set_mem_buf(bio, fresh)  // frees the old BUF_MEM and its storage
    }

    private static func capacity(of bio: OpaquePointer) -> Int {
        var memory: UnsafeMutablePointer<BUF_MEM>?
        _ = CGatewayShims_BIO_get_mem_ptr(bio, &memory)
        return memory?.pointee.max ?? 0
    }

    // MARK: TLS operations

    func doHandshake() -> HandshakeResult {
        OpenSSLErrorQueue.clear()
        switch self.outcome(of: SSL_do_handshake(self.ssl)) {
        case .success: return .complete
        case .wouldBlock: return .incomplete
        case .closeNotify: return .failed(["peer sent close_notify during the handshake"])
        case .failed(let errors): return .failed(errors)
        }
    }

    /// Decrypts into the writable space of `buffer` (growing it if it has none).
    func read(into buffer: inout ByteBuffer) -> ReadResult {
        OpenSSLErrorQueue.clear()
        var returned: Int32 = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 1) { bytes in
            returned = SSL_read(self.ssl, bytes.baseAddress, Int32(min(bytes.count, Int(Int32.max))))
            return Int(max(0, returned))
        }
        switch self.outcome(of: returned) {
        case .success: return .progress
        case .wouldBlock: return .needMoreCiphertext
        case .closeNotify: return .closeNotify
        case .failed(let errors): return .failed(errors)
        }
    }

    /// Encrypts all of `buffer` into the write BIO (a memory BIO never pushes back).
    func write(_ buffer: ByteBuffer) -> WriteResult {
        OpenSSLErrorQueue.clear()
        if buffer.readableBytes > 0 { self.reserveCiphertext(forPlaintext: buffer.readableBytes) }
        return buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let chunk = min(bytes.count - offset, 1 << 30)
                let returned = SSL_write(self.ssl, bytes.baseAddress! + offset, Int32(chunk))
                switch self.outcome(of: returned) {
                case .success: offset += Int(returned)
                case .wouldBlock, .closeNotify: return .failed(["SSL_write could not complete"])
                case .failed(let errors): return .failed(errors)
                }
            }
            return .complete
        }
    }

    /// Queues our close_notify. We never wait for the peer's (RFC 8446 §6.1 allows closing right away).
    func shutdown() {
        OpenSSLErrorQueue.clear()
        _ = SSL_shutdown(self.ssl)
        OpenSSLErrorQueue.clear()
    }

    // MARK: Negotiated parameters

    var negotiatedProtocol: String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(self.ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    var serverName: String? {
        guard self.isServer else { return self.sentServerName }
        return SSL_get_servername(self.ssl, TLSEXT_NAMETYPE_host_name).map { String(cString: $0) }
    }

    var protocolVersion: String {
        String(cString: SSL_get_version(self.ssl))
    }

    var cipher: String {
        SSL_get_current_cipher(self.ssl).flatMap { SSL_CIPHER_get_name($0) }.map { String(cString: $0) } ?? ""
    }

    /// Whether this handshake resumed a session instead of a full handshake.
    var sessionReused: Bool {
        SSL_session_reused(self.ssl) == 1
    }

    /// The session to offer on a later connection, once the server has sent one that can be resumed (in
    /// TLS 1.3 a ticket arrives after the handshake, with the first data); nil before then.
    var resumableSession: TLSSession? {
        guard let session = SSL_get1_session(self.ssl) else { return nil }
        guard SSL_SESSION_is_resumable(session) == 1 else {
            SSL_SESSION_free(session)
            return nil
        }
        return TLSSession(owning: session)
    }

    // MARK: The one place OpenSSL result codes become Swift

    private enum Outcome {
        case success
        case wouldBlock
        case closeNotify
        case failed([String])
    }

    private func outcome(of returned: Int32) -> Outcome {
        if returned > 0 { return .success }
        let code = SSL_get_error(self.ssl, returned)
        switch code {
        case SSL_ERROR_NONE:
            return .success
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            // With memory BIOs WANT_WRITE cannot happen (the write BIO always accepts); WANT_READ means
            // "feed me more ciphertext".
            return .wouldBlock
        case SSL_ERROR_ZERO_RETURN:
            return .closeNotify
        case SSL_ERROR_SSL, SSL_ERROR_SYSCALL:
            let errors = OpenSSLErrorQueue.drain()
            return .failed(errors.isEmpty ? ["SSL error \(code)"] : errors)
        default:
            // WANT_X509_LOOKUP, WANT_ASYNC, … need callbacks we never install.
            return .failed(["unexpected SSL_get_error result \(code)"] + OpenSSLErrorQueue.drain())
        }
    }
}
