/// Why a key or signing configuration could not be loaded. Raised when a ``TokenVerifier`` or ``TokenMinter`` is
/// built (at start-up or reload), never while verifying a request, so the message can name files and variables.
public struct AuthConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Reason: Sendable, Hashable {
        case noKeys
        case algorithmRequired(source: String)
        case keyIDOnJWKS(path: String)
        case environmentVariableUnset(String)
        case environmentVariableEmpty(String)
        case secretTooShort(source: String, algorithm: JWTSigningAlgorithm, bytes: Int)
        case cannotSign(source: String)
        case fileUnreadable(path: String, detail: String)
        case badPEM(path: String)
        case privateKeyInPublicKeyFile(path: String)
        case rsaKeyTooSmall(source: String)
        case badJWKS(path: String, detail: String)
        case keyTypeMismatch(source: String, algorithm: JWTSigningAlgorithm, found: String)
        case unsupportedAlgorithm(source: String, algorithm: String)
    }

    let reason: Reason

    init(_ reason: Reason) {
        self.reason = reason
    }

    /// A stable snake_case name for the failure, for tests and structured logs.
    public var code: String {
        switch reason {
        case .noKeys: "no_keys"
        case .algorithmRequired: "algorithm_required"
        case .keyIDOnJWKS: "key_id_on_jwks"
        case .environmentVariableUnset: "environment_variable_unset"
        case .environmentVariableEmpty: "environment_variable_empty"
        case .secretTooShort: "secret_too_short"
        case .cannotSign: "cannot_sign"
        case .fileUnreadable: "file_unreadable"
        case .badPEM: "bad_pem"
        case .privateKeyInPublicKeyFile: "private_key_in_public_key_file"
        case .rsaKeyTooSmall: "rsa_key_too_small"
        case .badJWKS: "bad_jwks"
        case .keyTypeMismatch: "key_type_mismatch"
        case .unsupportedAlgorithm: "unsupported_algorithm"
        }
    }

    public var description: String {
        switch reason {
        case .noKeys:
            "auth.jwt needs at least one key"
        case .algorithmRequired(let source):
            "\(source) needs an algorithm (alg)"
        case .keyIDOnJWKS(let path):
            "JWKS file \(path): a kid cannot be set on a JWKS entry, its keys carry their own"
        case .environmentVariableUnset(let name):
            "environment variable \(name) is not set"
        case .environmentVariableEmpty(let name):
            "environment variable \(name) is empty"
        case .secretTooShort(let source, let algorithm, let bytes):
            "\(source) holds \(bytes) bytes; \(algorithm) needs at least \(algorithm.minimumSecretBytes) (RFC 7518 §3.2)"
        case .cannotSign(let source):
            "\(source) holds a public key, which cannot sign: give a private key PEM file"
        case .fileUnreadable(let path, let detail):
            "cannot read \(path): \(detail)"
        case .badPEM(let path):
            "\(path) does not hold a PEM key that can be read"
        case .privateKeyInPublicKeyFile(let path):
            "\(path) holds a private key; give the public key (openssl pkey -in KEY -pubout)"
        case .rsaKeyTooSmall(let source):
            "\(source): RSA keys must be at least 2048 bits"
        case .badJWKS(let path, let detail):
            "JWKS file \(path): \(detail)"
        case .keyTypeMismatch(let source, let algorithm, let found):
            "\(source) holds \(found), but \(algorithm) needs \(algorithm.keyKind)"
        case .unsupportedAlgorithm(let source, let algorithm):
            "\(source): algorithm '\(algorithm)' is not supported (use one of \(JWTSigningAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")))"
        }
    }
}
