internal import CGatewayShims
internal import COpenSSL

/// An EC P-256 private key: the ACME account key (it signs every JWS) and the key of issued certificates.
///
/// Immutable after creation. OpenSSL 3 allows one `EVP_PKEY` to be used by several threads at once as
/// long as nobody modifies it, and each signature gets its own `EVP_MD_CTX`, so the type is `Sendable`.
public final class P256SigningKey: @unchecked Sendable {
    /// Owns the `EVP_PKEY`.
    let key: PrivateKey
    /// The public key as a JWK, read once: it goes into every new-account request and key authorization.
    public let publicJWK: PublicJWK

    private init(key: PrivateKey) throws(TLSError) {
        self.key = key
        self.publicJWK = try Self.readPublicJWK(key)
    }

    /// A fresh key from OpenSSL's default random generator.
    public static func generate() throws(TLSError) -> P256SigningKey {
        try P256SigningKey(key: try PrivateKey.generateP256())
    }

    /// Parses a PEM private key (PKCS#8 or SEC1) and insists that it is EC P-256: ES256 (RFC 7518 §3.4)
    /// is defined for that curve only, and a key of another type would fail later, mid-order.
    public convenience init(pem: [UInt8]) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        let pointer = readPEM(pem) { PEM_read_bio_PrivateKey($0, nil, nil, nil) }
        guard let pointer else {
            throw .configuration("not a PEM private key: \(OpenSSLErrorQueue.drainReason(default: "unreadable"))")
        }
        let key = PrivateKey(pointer: pointer)
        guard EVP_PKEY_is_a(pointer, "EC") == 1, EVP_PKEY_get_bits(pointer) == 256 else {
            throw .configuration("the private key is not an EC P-256 key")
        }
        try self.init(key: key)
    }

    /// PKCS#8 PEM, unencrypted; the caller stores it with mode 0600.
    public func pemEncoded() -> [UInt8] {
        self.key.pem()
    }

    // MARK: ES256

    /// The JWS ES256 signature of `message` (RFC 7518 §3.4): ECDSA over SHA-256, written as the 32-byte
    /// big-endian R followed by the 32-byte S. OpenSSL produces a DER `ECDSA-Sig-Value` instead, so the two
    /// integers are taken out of it and left-padded to 32 bytes each.
    public func signES256(_ message: some Collection<UInt8>) throws(TLSError) -> [UInt8] {
        let der = try self.derSignature(Array(message))
        var cursor: UnsafePointer<UInt8>? = nil
        let signature: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            cursor = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, buffer.count)
        }
        guard let signature else { throw Self.failure("d2i_ECDSA_SIG") }
        defer { ECDSA_SIG_free(signature) }
        var r: OpaquePointer? = nil
        var s: OpaquePointer? = nil
        ECDSA_SIG_get0(signature, &r, &s)
        var raw = [UInt8](repeating: 0, count: 64)
        let written = raw.withUnsafeMutableBufferPointer { buffer in
            (BN_bn2binpad(r, buffer.baseAddress, 32), BN_bn2binpad(s, buffer.baseAddress! + 32, 32))
        }
        guard written == (32, 32) else { throw Self.failure("BN_bn2binpad") }
        return raw
    }

    private func derSignature(_ message: [UInt8]) throws(TLSError) -> [UInt8] {
        OpenSSLErrorQueue.clear()
        guard let context = EVP_MD_CTX_new() else { throw Self.failure("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, self.key.pointer) == 1 else {
            throw Self.failure("EVP_DigestSignInit")
        }
        // First call asks for the maximum length (72 bytes for P-256), the second signs.
        var length = 0
        guard EVP_DigestSign(context, nil, &length, message, message.count) == 1 else {
            throw Self.failure("EVP_DigestSign (length)")
        }
        var der = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context, &der, &length, message, message.count) == 1 else {
            throw Self.failure("EVP_DigestSign")
        }
        return Array(der.prefix(length))
    }

    // MARK: Public key as a JWK

    /// The public key as a JWK (RFC 7518 §6.2.1): P-256 coordinates, 32 bytes each, base64url.
    private static func readPublicJWK(_ key: PrivateKey) throws(TLSError) -> PublicJWK {
        // "pub" is OSSL_PKEY_PARAM_PUB_KEY: the uncompressed point 0x04 || X || Y (SEC 1 §2.3.3).
        var point = [UInt8](repeating: 0, count: 65)
        var length = 0
        guard EVP_PKEY_get_octet_string_param(key.pointer, "pub", &point, point.count, &length) == 1,
              length == 65, point[0] == 0x04
        else { throw Self.failure("reading the public point") }
        return PublicJWK(x: Base64URL.encode(point[1...32]), y: Base64URL.encode(point[33...64]))
    }

    private static func failure(_ step: String) -> TLSError {
        .configuration("ES256 signing failed at \(step): \(OpenSSLErrorQueue.drainReason(default: "unknown"))")
    }
}

/// The public half of a `P256SigningKey` as a JSON Web Key (RFC 7517, EC members from RFC 7518 §6.2.1).
public struct PublicJWK: Sendable, Hashable {
    /// Always "P-256".
    public let crv = "P-256"
    /// Always "EC".
    public let kty = "EC"
    /// The X coordinate, base64url, 32 bytes before encoding.
    public let x: String
    /// The Y coordinate, base64url, 32 bytes before encoding.
    public let y: String

    /// The JWK with exactly the required members in lexicographic order and no whitespace: the form
    /// RFC 7638 §3.2 hashes for the thumbprint, and a valid JSON object for a JWS `jwk` header as well.
    public var canonicalJSON: String {
        #"{"crv":"\#(self.crv)","kty":"\#(self.kty)","x":"\#(self.x)","y":"\#(self.y)"}"#
    }

    /// RFC 7638 thumbprint: base64url(SHA-256(canonical JSON)); ACME's key authorizations end with it
    /// (RFC 8555 §8.1).
    public var thumbprint: String {
        Base64URL.encode(SHA256Digest.hash(Array(self.canonicalJSON.utf8)))
    }
}
