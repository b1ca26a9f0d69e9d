internal import CGatewayShims
internal import COpenSSL

/// Owns one `EVP_PKEY`.
final class PrivateKey {
    let pointer: OpaquePointer

    /// Takes ownership of `pointer` (freed in deinit).
    init(pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(self.pointer) }

    /// A fresh EC P-256 key (cheaper handshakes than RSA, and Mozilla's recommended certificate type).
    static func generateP256() throws(TLSError) -> PrivateKey {
        OpenSSLErrorQueue.clear()
        guard let pointer = CGatewayShims_EVP_EC_gen("P-256") else {
            throw .configuration("EC key generation failed: \(OpenSSLErrorQueue.drainReason(default: "unknown"))")
        }
        return PrivateKey(pointer: pointer)
    }

    /// - Parameter failureReason: the reason to report instead of OpenSSL's, if the file does not parse.
    static func load(pemFile path: String, failureReason: String? = nil) throws(TLSError) -> PrivateKey {
        OpenSSLErrorQueue.clear()
        let pointer = BIO_new_file(path, "r").flatMap { bio in
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let pointer else {
            let reason = OpenSSLErrorQueue.drainReason(default: "unreadable")
            throw .privateKey(path, reason: failureReason ?? reason)
        }
        return PrivateKey(pointer: pointer)
    }

    /// PKCS#8 PEM, unencrypted (a development key).
    func pem() -> [UInt8] {
        MemoryBIO.collect { bio in PEM_write_bio_PrivateKey(bio, self.pointer, nil, nil, 0, nil, nil) == 1 }
    }
}

/// Owns one `X509`.
final class Certificate {
    let pointer: OpaquePointer

    /// Takes ownership of `pointer` (freed in deinit).
    init(pointer: OpaquePointer) { self.pointer = pointer }
    deinit { X509_free(self.pointer) }

    static func load(pemFile path: String) throws(TLSError) -> Certificate {
        OpenSSLErrorQueue.clear()
        let pointer = BIO_new_file(path, "r").flatMap { bio in
            defer { BIO_free(bio) }
            return PEM_read_bio_X509(bio, nil, nil, nil)
        }
        guard let pointer else {
            throw .certificateFile(path, reason: OpenSSLErrorQueue.drainReason(default: "unreadable"))
        }
        return Certificate(pointer: pointer)
    }

    /// Builds and signs an X.509 v3 certificate.
    /// - Parameters:
    ///   - issuer: the CA certificate and key, or nil for a self-signed certificate signed by `key`.
    ///   - extensions: (NID, OpenSSL config value), e.g. (NID_basic_constraints, "critical,CA:TRUE").
    ///   - rawExtensions: extensions OpenSSL has no config syntax for (ACME's `acmeIdentifier`).
    static func issue(
        commonName: String,
        key: PrivateKey,
        issuer: (certificate: Certificate, key: PrivateKey)?,
        validityDays: Int,
        extensions: [(nid: Int32, value: String)],
        rawExtensions: [RawCertificateExtension] = []
    ) throws(TLSError) -> Certificate {
        OpenSSLErrorQueue.clear()
        guard let x509 = X509_new() else { throw Self.failure("X509_new") }
        let certificate = Certificate(pointer: x509)  // frees it if we throw below
        guard X509_set_version(x509, 2) == 1 else { throw Self.failure("X509_set_version") }  // 2 means v3
        try Self.setRandomSerial(x509)
        // An hour of slack for clocks that run a little behind.
        X509_gmtime_adj(X509_getm_notBefore(x509), -3600)
        X509_gmtime_adj(X509_getm_notAfter(x509), validityDays * 86_400)

        guard let name = X509_NAME_new() else { throw Self.failure("X509_NAME_new") }
        defer { X509_NAME_free(name) }
        guard X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, commonName, -1, -1, 0) == 1,
              X509_set_subject_name(x509, name) == 1,
              X509_set_issuer_name(x509, issuer.map { X509_get_subject_name($0.certificate.pointer) } ?? name) == 1,
              X509_set_pubkey(x509, key.pointer) == 1
        else { throw Self.failure("setting subject, issuer or key") }

        var v3 = X509V3_CTX()
        X509V3_set_ctx(&v3, issuer?.certificate.pointer ?? x509, x509, nil, nil, 0)
        for (nid, value) in extensions {
            guard let extensionPointer = X509V3_EXT_conf_nid(nil, &v3, nid, value) else {
                throw Self.failure("extension \(value)")
            }
            defer { X509_EXTENSION_free(extensionPointer) }
            guard X509_add_ext(x509, extensionPointer, -1) == 1 else { throw Self.failure("adding \(value)") }
        }
        for raw in rawExtensions {
            try raw.add(to: x509)
        }
        guard X509_sign(x509, (issuer?.key ?? key).pointer, EVP_sha256()) > 0 else { throw Self.failure("X509_sign") }
        return certificate
    }

    func pem() -> [UInt8] {
        MemoryBIO.collect { bio in PEM_write_bio_X509(bio, self.pointer) == 1 }
    }

    /// RFC 5280 §4.1.2.2: positive, at most 20 octets; CA/B Forum asks for ≥ 64 random bits. We use 16 random
    /// octets with the top two bits fixed (positive, no leading zero), so 126 random bits.
    private static func setRandomSerial(_ x509: OpaquePointer) throws(TLSError) {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&bytes, Int32(bytes.count)) == 1 else { throw Self.failure("RAND_bytes") }
        bytes[0] = (bytes[0] & 0x7F) | 0x40  // positive, and always 16 octets long
        guard let bignum = BN_bin2bn(bytes, Int32(bytes.count), nil) else { throw Self.failure("BN_bin2bn") }
        defer { BN_free(bignum) }
        guard BN_to_ASN1_INTEGER(bignum, X509_get_serialNumber(x509)) != nil else { throw Self.failure("serial") }
    }

    static func failure(_ step: String) -> TLSError {
        .configuration("certificate generation failed at \(step): \(OpenSSLErrorQueue.drainReason(default: "unknown"))")
    }
}

/// An X.509 extension given as its OID and the DER bytes of its `extnValue` contents.
struct RawCertificateExtension {
    /// Dotted decimal, e.g. "1.3.6.1.5.5.7.1.31".
    var oid: String
    var critical: Bool
    /// What goes inside the extension's OCTET STRING (itself DER).
    var value: [UInt8]

    func add(to x509: OpaquePointer) throws(TLSError) {
        guard let object = OBJ_txt2obj(self.oid, 1) else { throw Certificate.failure("OID \(self.oid)") }
        defer { ASN1_OBJECT_free(object) }
        guard let octets = ASN1_OCTET_STRING_new() else { throw Certificate.failure("ASN1_OCTET_STRING_new") }
        defer { ASN1_OCTET_STRING_free(octets) }
        guard ASN1_OCTET_STRING_set(octets, self.value, Int32(self.value.count)) == 1,
              let created = X509_EXTENSION_create_by_OBJ(nil, object, self.critical ? 1 : 0, octets)
        else { throw Certificate.failure("extension \(self.oid)") }
        defer { X509_EXTENSION_free(created) }
        guard X509_add_ext(x509, created, -1) == 1 else { throw Certificate.failure("adding \(self.oid)") }
    }
}

/// A temporary memory BIO, for turning OpenSSL's PEM writers into bytes.
enum MemoryBIO {
    static func collect(_ write: (OpaquePointer) -> Bool) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { return [] }
        defer { BIO_free(bio) }
        guard write(bio) else { return [] }
        var bytes = [UInt8](repeating: 0, count: Int(BIO_ctrl_pending(bio)))
        let read = bytes.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32($0.count)) }
        return Array(bytes.prefix(Int(max(0, read))))
    }
}
