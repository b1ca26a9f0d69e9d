/// One entry of `auth.jwt.keys`: where a verification key comes from and which algorithm it is pinned to.
///
/// The configuration loader builds these from YAML; ``TokenVerifier`` reads the secret, PEM or JWKS when it is
/// built, so a reload that builds a new verifier also reads the keys again.
public struct JWTKeyConfiguration: Sendable, Hashable {
    /// Where the key material is read from.
    public enum Source: Sendable, Hashable {
        /// A shared secret: the UTF-8 bytes of this environment variable's value (HS256/384/512).
        case secretEnvironmentVariable(String)
        /// A PEM file holding one public key (`-----BEGIN PUBLIC KEY-----`), for RS/PS/ES/EdDSA.
        case publicKeyFile(path: String)
        /// A JWKS file (RFC 7517 §5): a token's `kid` selects the key, and each key's `alg` (or, when absent, its
        /// `kty`/`crv`) fixes its algorithm. Keys marked `"use": "enc"` are skipped.
        case jwksFile(path: String)
    }

    /// Where the key material is read from.
    public var source: Source
    /// The key's algorithm: required for a secret or a PEM file; for a JWKS file, optional, it names the algorithm
    /// of RSA keys without `alg` and every key in the file must then agree with it.
    public var algorithm: JWTSigningAlgorithm?
    /// The `kid` tokens must carry to use this key; nil (the default) lets any token with this algorithm try it.
    /// Not allowed for a JWKS file, whose keys carry their own.
    public var keyID: String?

    public init(source: Source, algorithm: JWTSigningAlgorithm?, keyID: String? = nil) {
        self.source = source
        self.algorithm = algorithm
        self.keyID = keyID
    }
}
