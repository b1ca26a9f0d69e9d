/// The JWS algorithms a key can be pinned to (RFC 7518 §3.1; EdDSA from RFC 8037 §3.1).
///
/// Each configured key carries exactly one of these, so a token's `alg` header can only *select* a key of that
/// algorithm, never change how a key is used: an HS256 token "signed" with an RSA key's public PEM as the secret
/// finds no HS256 key and is refused. `none` is not a case, so unsecured tokens have nothing to match.
public enum JWTSigningAlgorithm: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case hs256 = "HS256"
    case hs384 = "HS384"
    case hs512 = "HS512"
    case rs256 = "RS256"
    case ps256 = "PS256"
    case es256 = "ES256"
    case es384 = "ES384"
    case edDSA = "EdDSA"

    public var description: String { rawValue }

    /// Whether the key is a shared secret (HMAC) rather than the public half of a key pair.
    public var usesSharedSecret: Bool {
        switch self {
        case .hs256, .hs384, .hs512: true
        case .rs256, .ps256, .es256, .es384, .edDSA: false
        }
    }

    /// RFC 7518 §3.2: an HMAC key must be at least as long as the hash output. Shorter secrets are refused when
    /// the configuration is loaded (and jwt-kit asserts on them in debug builds).
    var minimumSecretBytes: Int {
        switch self {
        case .hs256: 32
        case .hs384: 48
        case .hs512: 64
        case .rs256, .ps256, .es256, .es384, .edDSA: 0
        }
    }

    /// What kind of key the algorithm needs, for error messages.
    var keyKind: String {
        switch self {
        case .hs256, .hs384, .hs512: "a shared secret"
        case .rs256, .ps256: "an RSA key"
        case .es256: "an EC P-256 key"
        case .es384: "an EC P-384 key"
        case .edDSA: "an Ed25519 key"
        }
    }
}
