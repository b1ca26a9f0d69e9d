internal import COpenSSL

/// SHA-256 through OpenSSL's one-shot `EVP_Digest`, for the JWK thumbprint (RFC 7638) and the
/// TLS-ALPN-01 `acmeIdentifier` value (RFC 8737 §3).
enum SHA256Digest {
    static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        // EVP_Digest with SHA-256 only fails when out of memory; an empty result then makes the caller's
        // comparison fail rather than crash.
        guard EVP_Digest(input, input.count, &digest, &length, EVP_sha256(), nil) == 1 else { return [] }
        return Array(digest.prefix(Int(length)))
    }
}
