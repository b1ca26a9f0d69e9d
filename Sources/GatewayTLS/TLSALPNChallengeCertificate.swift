internal import COpenSSL

/// The self-signed certificate that answers an ACME TLS-ALPN-01 challenge (RFC 8737 §3).
///
/// The validation server connects with SNI = the domain and ALPN `acme-tls/1` only, and accepts the
/// certificate when its subjectAltName holds exactly that domain and it carries the critical
/// `id-pe-acmeIdentifier` extension whose value is the SHA-256 of the key authorization. Nobody trusts or
/// chains it; a fresh key per challenge costs one EC key generation.
enum TLSALPNChallengeCertificate {
    /// id-pe-acmeIdentifier (RFC 8737 §6.1).
    static let acmeIdentifierOID = "1.3.6.1.5.5.7.1.31"

    static func make(domain: String, keyAuthorization: String) throws(TLSError) -> (certificate: Certificate, key: PrivateKey) {
        guard !domain.isEmpty, !domain.contains(","), !domain.contains("*") else {
            throw .configuration("invalid TLS-ALPN-01 domain \"\(domain)\"")
        }
        let key = try PrivateKey.generateP256()
        let certificate = try Certificate.issue(
            commonName: domain.utf8.count <= 64 ? domain : "acme-tls-alpn-01",
            key: key,
            issuer: nil,
            // The CA connects within seconds; a week covers clocks that are off by days.
            validityDays: 7,
            extensions: [(NID_subject_alt_name, "DNS:\(domain)")],
            rawExtensions: [Self.acmeIdentifier(keyAuthorization: keyAuthorization)]
        )
        return (certificate, key)
    }

    /// The extension value is `Authorization ::= OCTET STRING (SIZE (32))`, DER-encoded:
    ///
    ///     04 20 <32 bytes of SHA-256(key authorization)>
    ///     │  └ length 32
    ///     └ tag OCTET STRING
    static func acmeIdentifier(keyAuthorization: String) -> RawCertificateExtension {
        let digest = SHA256Digest.hash(Array(keyAuthorization.utf8))
        return RawCertificateExtension(oid: Self.acmeIdentifierOID, critical: true, value: [0x04, 0x20] + digest)
    }
}
