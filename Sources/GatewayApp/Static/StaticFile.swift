import CompressNIO
import NIOCore

/// One file ready to serve: its bytes, content type and entity tag, and a gzip copy when that is smaller.
///
/// Made once when the runtime snapshot is built (off the event loops), so a request only picks a
/// representation: no file system access and no compression on a loop.
struct StaticFile: Sendable {
    /// One encoding of the file's content, with its own entity tag: RFC 9110 §8.8.3 asks for a different
    /// strong tag per representation, so a cache never mixes the gzip bytes with the plain ones.
    struct Representation: Sendable {
        let body: ByteBuffer
        let entityTag: String
    }

    let contentType: String
    let identity: Representation
    /// Nil for formats that do not shrink (images, fonts) and for files gzip does not make smaller.
    let gzip: Representation?

    /// The content type comes from the name's extension.
    init(name: String, bytes: ByteBuffer) {
        contentType = MediaType.contentType(forFileNamed: name)
        let tag = Self.fingerprint(bytes)
        identity = Representation(body: bytes, entityTag: "\"\(tag)\"")
        var source = bytes
        if MediaType.isCompressible(contentType), let compressed = try? source.compress(with: .gzip()),
           compressed.readableBytes < bytes.readableBytes {
            gzip = Representation(body: compressed, entityTag: "\"\(tag)-gzip\"")
        } else {
            gzip = nil
        }
    }

    /// FNV-1a (64 bit) of the bytes and their length, in hex: a validator, not a security boundary, so a
    /// fast non-cryptographic hash is enough (a collision only costs a stale cache entry).
    static func fingerprint(_ bytes: ByteBuffer) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        bytes.withUnsafeReadableBytes { raw in
            for byte in raw {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01b3
            }
        }
        return String(hash, radix: 16) + "-" + String(bytes.readableBytes, radix: 16)
    }
}
