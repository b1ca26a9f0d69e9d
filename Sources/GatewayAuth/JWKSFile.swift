import Foundation
internal import JWTKit

/// The signing keys of a JWKS file (RFC 7517 §5), each pinned to one algorithm.
///
/// jwt-kit's `JWK` reads each key; the set is read key by key, so that an encryption key (`"use": "enc"`, as
/// identity providers publish beside their signing keys) is skipped instead of failing the whole file, and so
/// that an error can name the key.
struct JWKSFile {
    struct Entry {
        var keyID: String?
        var algorithm: JWTSigningAlgorithm
        var material: KeyMaterial
    }

    let entries: [Entry]

    /// Reads the file. `algorithm`, from the configuration, names the algorithm of RSA keys without `alg` (the
    /// only type whose algorithm `kty` cannot tell), and every key must then agree with it.
    init(path: String, algorithm configured: JWTSigningAlgorithm?) throws(AuthConfigurationError) {
        let text = try KeyMaterial.readFile(path)
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: Data(text.utf8))
        } catch {
            throw AuthConfigurationError(.badJWKS(path: path, detail: "not a JSON object with a \"keys\" array"))
        }
        var entries: [Entry] = []
        for (index, key) in envelope.keys.enumerated() where key.use != "enc" {
            let label = key.kid.map { "key '\($0)'" } ?? "key #\(index + 1)"
            let source = "JWKS file \(path), \(label)"
            guard case .success(let jwk) = key.jwk else {
                throw AuthConfigurationError(.badJWKS(path: path, detail: "\(label) is not a JWK that jwt-kit can read (kty RSA, EC or OKP)"))
            }
            let algorithm = try Self.algorithm(of: key, configured: configured, path: path, label: label)
            let material = try Self.publicKey(of: jwk, path: path, label: label)
            guard material.fits(algorithm) else {
                throw AuthConfigurationError(.keyTypeMismatch(source: source, algorithm: algorithm, found: material.kind))
            }
            entries.append(Entry(keyID: key.kid, algorithm: algorithm, material: material))
        }
        guard !entries.isEmpty else {
            throw AuthConfigurationError(.badJWKS(path: path, detail: "no signing keys"))
        }
        self.entries = entries
    }

    /// `alg` when the key has one; otherwise what its `kty`/`crv` allow (RFC 7518 §3.4, RFC 8037 §3.1).
    private static func algorithm(
        of key: LenientKey,
        configured: JWTSigningAlgorithm?,
        path: String,
        label: String
    ) throws(AuthConfigurationError) -> JWTSigningAlgorithm {
        var algorithm: JWTSigningAlgorithm?
        if let declared = key.alg {
            guard let known = JWTSigningAlgorithm(rawValue: declared) else {
                throw AuthConfigurationError(.unsupportedAlgorithm(source: "JWKS file \(path), \(label)", algorithm: declared))
            }
            algorithm = known
        } else {
            algorithm =
                switch (key.kty, key.crv) {
                case ("EC", "P-256"): .es256
                case ("EC", "P-384"): .es384
                case ("OKP", "Ed25519"): .edDSA
                default: nil
                }
        }
        guard let algorithm = algorithm ?? configured else {
            throw AuthConfigurationError(
                .badJWKS(path: path, detail: "\(label) has no alg and its type does not fix one: set alg on the key or on the jwks entry")
            )
        }
        if let configured, configured != algorithm {
            throw AuthConfigurationError(
                .badJWKS(path: path, detail: "\(label) is \(algorithm), but the configuration pins this file to \(configured)")
            )
        }
        return algorithm
    }

    /// The public half of the key, even when the file also holds private parameters.
    private static func publicKey(of jwk: JWK, path: String, label: String) throws(AuthConfigurationError) -> KeyMaterial {
        func invalid(_ detail: String) -> AuthConfigurationError {
            AuthConfigurationError(.badJWKS(path: path, detail: "\(label): \(detail)"))
        }
        if jwk.keyType == .rsa {
            guard let modulus = jwk.modulus, let exponent = jwk.exponent else { throw invalid("RSA key without n or e") }
            do {
                return .rsaPublic(try Insecure.RSA.PublicKey(modulus: modulus, exponent: exponent))
            } catch {
                try KeyMaterial.rethrowIfRSAKeyTooSmall(error, source: "JWKS file \(path), \(label)")
                throw invalid("RSA n and e do not form a key")
            }
        }
        if jwk.keyType == .ecdsa {
            guard let x = jwk.x, let y = jwk.y else { throw invalid("EC key without x or y") }
            switch jwk.curve?.rawValue {
            case "P-256":
                guard let key = try? ES256PublicKey(parameters: (x, y)) else { throw invalid("x and y are not a P-256 point") }
                return .p256Public(key)
            case "P-384":
                guard let key = try? ES384PublicKey(parameters: (x, y)) else { throw invalid("x and y are not a P-384 point") }
                return .p384Public(key)
            default:
                throw invalid("EC curve must be P-256 or P-384")
            }
        }
        guard jwk.curve?.rawValue == "Ed25519", let x = jwk.x else { throw invalid("OKP key must be Ed25519 with x") }
        guard let key = try? EdDSA.PublicKey(x: x, curve: .ed25519) else { throw invalid("x is not an Ed25519 key") }
        return .ed25519Public(key)
    }

    private struct Envelope: Decodable {
        var keys: [LenientKey]
    }

    /// One member of `keys`: the fields that decide whether and how to use it, and jwt-kit's reading of it.
    private struct LenientKey: Decodable {
        var use: String?
        var kty: String?
        var alg: String?
        var kid: String?
        var crv: String?
        var jwk: Result<JWK, any Error>

        private enum CodingKeys: String, CodingKey {
            case use, kty, alg, kid, crv
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            use = try? container.decodeIfPresent(String.self, forKey: .use)
            kty = try? container.decodeIfPresent(String.self, forKey: .kty)
            alg = try? container.decodeIfPresent(String.self, forKey: .alg)
            kid = try? container.decodeIfPresent(String.self, forKey: .kid)
            crv = try? container.decodeIfPresent(String.self, forKey: .crv)
            jwk = Result { try JWK(from: decoder) }
        }
    }
}
