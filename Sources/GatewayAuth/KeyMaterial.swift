internal import JWTKit

/// A key read from the configuration and parsed by jwt-kit, before it is bound to the one algorithm it may serve.
enum KeyMaterial: Sendable {
    case secret(HMACKey)
    case rsaPublic(Insecure.RSA.PublicKey)
    case rsaPrivate(Insecure.RSA.PrivateKey)
    case p256Public(ES256PublicKey)
    case p256Private(ES256PrivateKey)
    case p384Public(ES384PublicKey)
    case p384Private(ES384PrivateKey)
    case ed25519Public(EdDSA.PublicKey)
    case ed25519Private(EdDSA.PrivateKey)

    /// What the key is, for error messages.
    var kind: String {
        switch self {
        case .secret: "a shared secret"
        case .rsaPublic, .rsaPrivate: "an RSA key"
        case .p256Public, .p256Private: "an EC P-256 key"
        case .p384Public, .p384Private: "an EC P-384 key"
        case .ed25519Public, .ed25519Private: "an Ed25519 key"
        }
    }

    /// Whether the key is of the type `algorithm` needs (RFC 7518 §3.1): the check that pins a key to its algorithm.
    func fits(_ algorithm: JWTSigningAlgorithm) -> Bool {
        switch (algorithm, self) {
        case (.hs256, .secret), (.hs384, .secret), (.hs512, .secret): true
        case (.rs256, .rsaPublic), (.rs256, .rsaPrivate), (.ps256, .rsaPublic), (.ps256, .rsaPrivate): true
        case (.es256, .p256Public), (.es256, .p256Private): true
        case (.es384, .p384Public), (.es384, .p384Private): true
        case (.edDSA, .ed25519Public), (.edDSA, .ed25519Private): true
        default: false
        }
    }

    /// jwt-kit's signer for this key under `algorithm`.
    ///
    /// Maintainer note: jwt-kit 5 keeps its signer types (`HMACSigner`, `RSASigner`, ...) internal and builds them
    /// only inside the `JWTKeyCollection` actor, so this one `await` is the only way to get one. It happens once,
    /// when keys are loaded; the `JWTAlgorithm` it returns then signs and verifies synchronously, which is what
    /// lets ``TokenVerifier/verify(_:now:)`` run on an event loop without a hop.
    func signer(for algorithm: JWTSigningAlgorithm, source: String) async throws(AuthConfigurationError) -> any JWTAlgorithm {
        guard fits(algorithm) else {
            throw AuthConfigurationError(.keyTypeMismatch(source: source, algorithm: algorithm, found: kind))
        }
        let collection = JWTKeyCollection()
        switch self {
        case .secret(let key):
            await collection.add(hmac: key, digestAlgorithm: algorithm.digest)
        case .rsaPublic(let key):
            if algorithm == .ps256 {
                await collection.add(pss: key, digestAlgorithm: .sha256)
            } else {
                await collection.add(rsa: key, digestAlgorithm: .sha256)
            }
        case .rsaPrivate(let key):
            if algorithm == .ps256 {
                await collection.add(pss: key, digestAlgorithm: .sha256)
            } else {
                await collection.add(rsa: key, digestAlgorithm: .sha256)
            }
        case .p256Public(let key): await collection.add(ecdsa: key)
        case .p256Private(let key): await collection.add(ecdsa: key)
        case .p384Public(let key): await collection.add(ecdsa: key)
        case .p384Private(let key): await collection.add(ecdsa: key)
        case .ed25519Public(let key): await collection.add(eddsa: key)
        case .ed25519Private(let key): await collection.add(eddsa: key)
        }
        let signer: any JWTAlgorithm
        do {
            signer = try await collection.getKey()
        } catch {
            throw AuthConfigurationError(.keyTypeMismatch(source: source, algorithm: algorithm, found: kind))
        }
        // A cheap guard that jwt-kit built the signer the algorithm names (its `name` is the JOSE `alg`).
        guard signer.name == algorithm.rawValue else {
            throw AuthConfigurationError(.keyTypeMismatch(source: source, algorithm: algorithm, found: kind))
        }
        return signer
    }
}

extension JWTSigningAlgorithm {
    /// The HMAC hash of an HS algorithm; only read for HS algorithms.
    fileprivate var digest: DigestAlgorithm {
        switch self {
        case .hs384: .sha384
        case .hs512: .sha512
        case .hs256, .rs256, .ps256, .es256, .es384, .edDSA: .sha256
        }
    }
}
