internal import COpenSSL

/// Runs an OpenSSL PEM reader (`PEM_read_bio_X509`, `PEM_read_bio_PrivateKey`, …) over PEM bytes in memory,
/// through a read-only memory BIO that is freed afterwards. Nil when the BIO cannot be made or the reader
/// fails; the reason is then on the OpenSSL error queue (clear it before, drain it after).
func readPEM(_ pem: [UInt8], with read: (OpaquePointer) -> OpaquePointer?) -> OpaquePointer? {
    pem.withUnsafeBytes { bytes in
        BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count)).flatMap { bio in
            defer { BIO_free(bio) }
            return read(bio)
        }
    }
}
