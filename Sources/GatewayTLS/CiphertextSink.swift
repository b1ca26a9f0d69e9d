internal import COpenSSL
import NIOCore

/// The write BIO of a `TLSConnection`: every record OpenSSL writes is appended straight to the connection's
/// outbound `ByteBuffer`, which is then handed to the channel as it is.
///
/// Why not a memory BIO (as the read side is): with one small record per send (an HTTP/1.1 event stream
/// sends one per event per connection), a memory BIO cost a `BUF_MEM` grow (a malloc) per record, a
/// `BIO_read` copy into a fresh `ByteBuffer`, and half a dozen `BIO_ctrl` calls (pending counts, giving the
/// emptied storage back) that each missed the cache on the connection's `BUF_MEM`: ~6% of server CPU in
/// `BIO_ctrl`/`mem_ctrl` alone in the HTTP/1.1 fan-out profile. Here a record costs one append into the
/// buffer that goes to the socket, and an idle connection holds no outbound storage at all.
enum CiphertextSink {
    /// A BIO of this kind; `attach` gives it its connection before OpenSSL writes to it.
    static func make() -> OpaquePointer? {
        guard let bio = BIO_new(method) else { return nil }
        BIO_set_init(bio, 1)  // BIO_write refuses an uninitialised BIO
        return bio
    }

    /// Points the BIO at `connection` (unretained: the connection owns the SSL, which owns the BIO).
    static func attach(_ bio: OpaquePointer, to connection: TLSConnection) {
        BIO_set_data(bio, Unmanaged.passUnretained(connection).toOpaque())
    }

    // Made once, never freed: every sink BIO of the process shares it (as BIO_s_mem() is shared).
    nonisolated(unsafe) private static let method: OpaquePointer = {
        guard let method = BIO_meth_new(BIO_get_new_index() | 0x0400 /* BIO_TYPE_SOURCE_SINK */, "ssegate ciphertext sink") else {
            fatalError("BIO_meth_new failed: out of memory at startup")
        }
        BIO_meth_set_write_ex(method) { bio, data, length, written in
            guard let bio, let data, let owner = BIO_get_data(bio) else { return 0 }
            let connection = Unmanaged<TLSConnection>.fromOpaque(owner).takeUnretainedValue()
            connection.appendCiphertext(UnsafeRawBufferPointer(start: data, count: length))
            written?.pointee = length
            return 1
        }
        BIO_meth_set_ctrl(method) { bio, command, _, _ in
            switch command {
            case BIO_CTRL_FLUSH:
                return 1  // nothing is held back: the appended bytes are the connection's to send
            case BIO_CTRL_WPENDING:
                guard let bio, let owner = BIO_get_data(bio) else { return 0 }
                return Unmanaged<TLSConnection>.fromOpaque(owner).takeUnretainedValue().pendingCiphertextCount
            default:
                return 0  // PENDING (nothing to read), kTLS and the rest: not supported
            }
        }
        return method
    }()
}
