import Foundation
internal import JWTKit

/// Reading key material from the places a configuration names: an environment variable, a PEM file.
extension KeyMaterial {
    /// A shared secret from an environment variable, checked against the algorithm's minimum length.
    static func secret(
        variable: String,
        algorithm: JWTSigningAlgorithm,
        environment: [String: String]
    ) throws(AuthConfigurationError) -> KeyMaterial {
        guard let value = environment[variable] else {
            throw AuthConfigurationError(.environmentVariableUnset(variable))
        }
        guard !value.isEmpty else { throw AuthConfigurationError(.environmentVariableEmpty(variable)) }
        return try secret(value, algorithm: algorithm, source: "environment variable \(variable)")
    }

    /// A shared secret (its UTF-8 bytes), checked against the algorithm's minimum length.
    static func secret(_ value: String, algorithm: JWTSigningAlgorithm, source: String) throws(AuthConfigurationError) -> KeyMaterial {
        let bytes = Array(value.utf8)
        guard bytes.count >= algorithm.minimumSecretBytes else {
            throw AuthConfigurationError(.secretTooShort(source: source, algorithm: algorithm, bytes: bytes.count))
        }
        return .secret(HMACKey(from: bytes))
    }

    /// The text of a key file, with the OS error as the detail when it cannot be read.
    static func readFile(_ path: String) throws(AuthConfigurationError) -> String {
        let files = FileManager.default
        guard files.fileExists(atPath: path) else {
            throw AuthConfigurationError(.fileUnreadable(path: path, detail: "no such file"))
        }
        guard files.isReadableFile(atPath: path) else {
            throw AuthConfigurationError(.fileUnreadable(path: path, detail: "permission denied"))
        }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw AuthConfigurationError(.fileUnreadable(path: path, detail: "not UTF-8 text"))
        }
    }

    /// The public key in a PEM text, which must fit `algorithm`.
    static func publicKey(pem: String, algorithm: JWTSigningAlgorithm, source: String) throws(AuthConfigurationError) -> KeyMaterial {
        guard !pem.contains("PRIVATE KEY-----") else {
            throw AuthConfigurationError(.privateKeyInPublicKeyFile(path: source))
        }
        let material = try parsePEM(
            pem, source: source, rsa: { .rsaPublic(try Insecure.RSA.PublicKey(pem: $0)) },
            curves: [
                { .p256Public(try ES256PublicKey(pem: $0)) },
                { .p384Public(try ES384PublicKey(pem: $0)) },
                { .ed25519Public(try EdDSA.PublicKey(pem: $0)) },
            ])
        return try fitting(material, algorithm: algorithm, source: source)
    }

    /// The private key in a PEM text (for minting), which must fit `algorithm`.
    static func privateKey(pem: String, algorithm: JWTSigningAlgorithm, source: String) throws(AuthConfigurationError) -> KeyMaterial {
        let material = try parsePEM(
            pem, source: source, rsa: { .rsaPrivate(try Insecure.RSA.PrivateKey(pem: $0)) },
            curves: [
                { .p256Private(try ES256PrivateKey(pem: $0)) },
                { .p384Private(try ES384PrivateKey(pem: $0)) },
                { .ed25519Private(try EdDSA.PrivateKey(pem: $0)) },
            ])
        return try fitting(material, algorithm: algorithm, source: source)
    }

    /// Tries each key type jwt-kit reads, RSA first so that its "too small" refusal is reported rather
    /// than taken for "not RSA"; each curve parser checks its own curve, so at most one succeeds.
    private static func parsePEM(
        _ pem: String, source: String, rsa: (String) throws -> KeyMaterial, curves: [(String) throws -> KeyMaterial]
    ) throws(AuthConfigurationError) -> KeyMaterial? {
        do {
            return try rsa(pem)
        } catch {
            try rethrowIfRSAKeyTooSmall(error, source: source)
        }
        for parse in curves {
            if let material = try? parse(pem) { return material }
        }
        return nil
    }

    /// The key read from `source`, if there was one and it fits `algorithm`.
    private static func fitting(
        _ material: KeyMaterial?, algorithm: JWTSigningAlgorithm, source: String
    ) throws(AuthConfigurationError) -> KeyMaterial {
        guard let material else {
            throw AuthConfigurationError(.badPEM(path: source))
        }
        guard material.fits(algorithm) else {
            throw AuthConfigurationError(.keyTypeMismatch(source: source, algorithm: algorithm, found: material.kind))
        }
        return material
    }

    /// RSA keys under 2048 bits are refused by swift-crypto (`CryptoKitError.incorrectParameterSize`) or by
    /// jwt-kit (its internal `RSAError.keySizeTooSmall`). This module does not link swift-crypto itself and
    /// jwt-kit's type is internal, so the case names are the only part of either visible from here.
    static func rethrowIfRSAKeyTooSmall(_ error: any Error, source: String) throws(AuthConfigurationError) {
        let name = String(describing: error)
        if name.contains("keySizeTooSmall") || name.contains("incorrectParameterSize") {
            throw AuthConfigurationError(.rsaKeyTooSmall(source: source))
        }
    }
}
