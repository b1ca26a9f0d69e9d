internal import JWTKit

/// One key a token may verify with: its `kid` (if any), the algorithm it is pinned to, and jwt-kit's verifier.
struct VerificationKey: Sendable {
    /// Tokens must carry this `kid` to use the key; nil lets any token of ``algorithm`` try it.
    let keyID: String?
    let algorithm: JWTSigningAlgorithm
    let signer: any JWTAlgorithm

    /// Reads the keys one configuration entry names (one, or all signing keys of a JWKS file).
    static func load(
        _ configuration: JWTKeyConfiguration,
        environment: [String: String]
    ) async throws(AuthConfigurationError) -> [VerificationKey] {
        switch configuration.source {
        case .secretEnvironmentVariable(let variable):
            let source = "environment variable \(variable)"
            let algorithm = try requireAlgorithm(configuration, source: source)
            guard algorithm.usesSharedSecret else {
                throw AuthConfigurationError(.keyTypeMismatch(source: source, algorithm: algorithm, found: "a shared secret"))
            }
            let material = try KeyMaterial.secret(variable: variable, algorithm: algorithm, environment: environment)
            return [try await bind(material, algorithm, keyID: configuration.keyID, source: source)]

        case .publicKeyFile(let path):
            let algorithm = try requireAlgorithm(configuration, source: path)
            guard !algorithm.usesSharedSecret else {
                throw AuthConfigurationError(.keyTypeMismatch(source: path, algorithm: algorithm, found: "a PEM file"))
            }
            let material = try KeyMaterial.publicKey(pem: try KeyMaterial.readFile(path), algorithm: algorithm, source: path)
            return [try await bind(material, algorithm, keyID: configuration.keyID, source: path)]

        case .jwksFile(let path):
            guard configuration.keyID == nil else { throw AuthConfigurationError(.keyIDOnJWKS(path: path)) }
            var keys: [VerificationKey] = []
            for entry in try JWKSFile(path: path, algorithm: configuration.algorithm).entries {
                let source = "JWKS file \(path), key '\(entry.keyID ?? "")'"
                keys.append(try await bind(entry.material, entry.algorithm, keyID: entry.keyID, source: source))
            }
            return keys
        }
    }

    private static func requireAlgorithm(_ configuration: JWTKeyConfiguration, source: String) throws(AuthConfigurationError) -> JWTSigningAlgorithm {
        guard let algorithm = configuration.algorithm else { throw AuthConfigurationError(.algorithmRequired(source: source)) }
        return algorithm
    }

    private static func bind(
        _ material: KeyMaterial,
        _ algorithm: JWTSigningAlgorithm,
        keyID: String?,
        source: String
    ) async throws(AuthConfigurationError) -> VerificationKey {
        VerificationKey(keyID: keyID, algorithm: algorithm, signer: try await material.signer(for: algorithm, source: source))
    }
}
