import Foundation
internal import JWTKit

/// Mints tokens with a signing key: for `ssegate token` (development and tests) and for this module's tests.
///
/// Like ``TokenVerifier``, it gets jwt-kit's signer once (an `await` on jwt-kit's key collection) and then signs
/// synchronously with it: ``mint(_:now:)`` lays out header and payload itself (RFC 7515 §7.1) and lets jwt-kit's
/// `JWTAlgorithm.sign` compute the signature.
public struct TokenMinter: Sendable {
    /// The algorithm written to the `alg` header.
    public let algorithm: JWTSigningAlgorithm
    /// The `kid` written to the header, if any.
    public let keyID: String?
    let signer: any JWTAlgorithm

    /// A minter for an HS algorithm with a shared secret (its UTF-8 bytes, at least the hash length).
    public init(algorithm: JWTSigningAlgorithm, secret: String, keyID: String? = nil) async throws(AuthConfigurationError) {
        guard algorithm.usesSharedSecret else {
            throw AuthConfigurationError(.keyTypeMismatch(source: "the secret", algorithm: algorithm, found: "a shared secret"))
        }
        let material = try KeyMaterial.secret(secret, algorithm: algorithm, source: "the secret")
        try await self.init(algorithm: algorithm, material: material, keyID: keyID, source: "the secret")
    }

    /// A minter for RS256, PS256, ES256, ES384 or EdDSA with a private key in PEM (PKCS#8, or SEC1/PKCS#1).
    public init(algorithm: JWTSigningAlgorithm, privateKeyPEM: String, keyID: String? = nil) async throws(AuthConfigurationError) {
        let material = try KeyMaterial.privateKey(pem: privateKeyPEM, algorithm: algorithm, source: "the private key")
        try await self.init(algorithm: algorithm, material: material, keyID: keyID, source: "the private key")
    }

    /// A minter with a configured key: only a secret can sign, since a PEM or JWKS entry holds public keys.
    public init(key: JWTKeyConfiguration, environment: [String: String]) async throws(AuthConfigurationError) {
        switch key.source {
        case .secretEnvironmentVariable(let variable):
            let source = "environment variable \(variable)"
            guard let algorithm = key.algorithm else { throw AuthConfigurationError(.algorithmRequired(source: source)) }
            guard algorithm.usesSharedSecret else {
                throw AuthConfigurationError(.keyTypeMismatch(source: source, algorithm: algorithm, found: "a shared secret"))
            }
            let material = try KeyMaterial.secret(variable: variable, algorithm: algorithm, environment: environment)
            try await self.init(algorithm: algorithm, material: material, keyID: key.keyID, source: source)
        case .publicKeyFile(let path), .jwksFile(let path):
            throw AuthConfigurationError(.cannotSign(source: path))
        }
    }

    private init(algorithm: JWTSigningAlgorithm, material: KeyMaterial, keyID: String?, source: String) async throws(AuthConfigurationError) {
        self.algorithm = algorithm
        self.keyID = keyID
        self.signer = try await material.signer(for: algorithm, source: source)
    }

    /// A signed compact JWT with `sub`, `iat`, `exp = now + ttl` (whole seconds), optional `iss`/`aud`, and the
    /// `ssegate` claim. Patterns are parsed first, so a typo fails here rather than at every subscribe.
    public func mint(_ grant: TokenGrant, now: Date) throws(TokenMintingError) -> String {
        guard !grant.subject.isEmpty else { throw TokenMintingError("the subject cannot be empty") }
        guard grant.timeToLive > .zero else { throw TokenMintingError("the time to live must be positive") }
        for pattern in grant.subscribe + grant.publish {
            do {
                _ = try ChannelPattern(pattern)
            } catch {
                throw TokenMintingError(error.description)
            }
        }
        let issuedAt = now.timeIntervalSince1970.rounded(.down)
        let expiry = (now.timeIntervalSince1970 + grant.timeToLive.timeInterval).rounded(.down)
        let claims = TokenClaims(
            sub: SubjectClaim(value: grant.subject),
            exp: ExpirationClaim(value: Date(timeIntervalSince1970: expiry)),
            iat: IssuedAtClaim(value: Date(timeIntervalSince1970: issuedAt)),
            iss: grant.issuer.map { IssuerClaim(value: $0) },
            aud: grant.audience.map { AudienceClaim(value: [$0]) },
            ssegate: GatewayGrantClaim(subscribe: grant.subscribe, publish: grant.publish, session: grant.session)
        )
        let header = Header(alg: algorithm.rawValue, typ: "JWT", kid: keyID)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        do {
            let signingInput = try Base64URL.encode(encoder.encode(header)) + "." + Base64URL.encode(encoder.encode(claims))
            let signature = try signer.sign(Array(signingInput.utf8))
            return signingInput + "." + Base64URL.encode(signature)
        } catch {
            throw TokenMintingError("signing failed: \(error)")
        }
    }

    /// The JOSE header a minted token carries (RFC 7515 §4.1).
    private struct Header: Encodable {
        var alg: String
        var typ: String
        var kid: String?
    }
}

/// Why a token could not be minted.
public struct TokenMintingError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
