internal import COpenSSL

/// A PKCS#10 certificate signing request (RFC 2986) for ACME's finalize step (RFC 8555 §7.4).
///
/// ACME takes the names from the order, not from the CSR subject, but the CSR must list exactly those
/// names in its subjectAltName and be signed by the key the certificate is for. The subject CN is the first
/// name, for clients that still show it.
public enum CertificateSigningRequest {
    /// The DER encoding of a CSR for `dnsNames`, signed with `key` (SHA-256).
    public static func der(dnsNames: [String], key: P256SigningKey) throws(TLSError) -> [UInt8] {
        guard let commonName = dnsNames.first else { throw .configuration("a CSR needs at least one name") }
        // Commas would split the subjectAltName value OpenSSL parses below.
        guard dnsNames.allSatisfy({ !$0.isEmpty && !$0.contains(",") }) else {
            throw .configuration("invalid DNS names for a CSR: \(dnsNames)")
        }
        OpenSSLErrorQueue.clear()
        guard let request = X509_REQ_new() else { throw Self.failure("X509_REQ_new") }
        defer { X509_REQ_free(request) }
        guard X509_REQ_set_version(request, 0) == 1 else { throw Self.failure("X509_REQ_set_version") }  // 0 means v1

        guard let subject = X509_NAME_new() else { throw Self.failure("X509_NAME_new") }
        defer { X509_NAME_free(subject) }
        // CN is limited to 64 characters (RFC 5280 ub-common-name); longer names live in the SAN only.
        if commonName.utf8.count <= 64 {
            guard X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, commonName, -1, -1, 0) == 1 else {
                throw Self.failure("subject")
            }
        }
        guard X509_REQ_set_subject_name(request, subject) == 1,
              X509_REQ_set_pubkey(request, key.key.pointer) == 1
        else { throw Self.failure("subject or public key") }

        let names = dnsNames.map { "DNS:\($0)" }.joined(separator: ",")
        guard let subjectAltName = X509V3_EXT_conf_nid(nil, nil, NID_subject_alt_name, names) else {
            throw Self.failure("subjectAltName \(names)")
        }
        defer { X509_EXTENSION_free(subjectAltName) }
        // STACK_OF(X509_EXTENSION) through the untyped stack functions: the typed sk_ helpers are macros.
        guard let extensions = OPENSSL_sk_new_null() else { throw Self.failure("OPENSSL_sk_new_null") }
        defer { OPENSSL_sk_free(extensions) }
        guard OPENSSL_sk_push(extensions, UnsafeRawPointer(subjectAltName)) > 0,
              X509_REQ_add_extensions(request, extensions) == 1  // copies the extensions
        else { throw Self.failure("X509_REQ_add_extensions") }

        guard X509_REQ_sign(request, key.key.pointer, EVP_sha256()) > 0 else { throw Self.failure("X509_REQ_sign") }
        let length = i2d_X509_REQ(request, nil)
        guard length > 0 else { throw Self.failure("i2d_X509_REQ") }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return i2d_X509_REQ(request, &cursor)
        }
        guard written == length else { throw Self.failure("i2d_X509_REQ") }
        return der
    }

    private static func failure(_ step: String) -> TLSError {
        .configuration("CSR generation failed at \(step): \(OpenSSLErrorQueue.drainReason(default: "unknown"))")
    }
}
