import Foundation
import GatewayAuth
import Testing

/// Building a verifier fails with a specific error for each configuration mistake, naming what to fix.
@Suite struct ConfigurationErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var keys: [JWTKeyConfiguration]
        var environment: [String: String] = Fixtures.environment
        var code: String
        /// A piece of the message, so the operator is told what to fix.
        var fragment: String
        var testDescription: String { name }
    }

    static let garbage = KeyFixtures.write("-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n", named: "garbage.pem")
    static let privateKeyFile = KeyFixtures.write(KeyFixtures.p256.privatePEM, named: "private.pem")
    static let notJSON = KeyFixtures.write("keys: []", named: "jwks.yaml")

    static let cases: [Case] = [
        Case(name: "no keys", keys: [], code: "no_keys", fragment: "at least one key"),
        Case(
            name: "variable unset",
            keys: [JWTKeyConfiguration(source: .secretEnvironmentVariable("NOPE"), algorithm: .hs256)],
            code: "environment_variable_unset", fragment: "NOPE"
        ),
        Case(
            name: "variable empty",
            keys: [JWTKeyConfiguration(source: .secretEnvironmentVariable("EMPTY"), algorithm: .hs256)],
            environment: ["EMPTY": ""], code: "environment_variable_empty", fragment: "EMPTY"
        ),
        Case(
            name: "secret too short for HS256",
            keys: [JWTKeyConfiguration(source: .secretEnvironmentVariable("S"), algorithm: .hs256)],
            environment: ["S": String(repeating: "x", count: 31)], code: "secret_too_short", fragment: "needs at least 32"
        ),
        Case(
            name: "secret too short for HS512",
            keys: [JWTKeyConfiguration(source: .secretEnvironmentVariable("S"), algorithm: .hs512)],
            environment: ["S": String(repeating: "x", count: 63)], code: "secret_too_short", fragment: "needs at least 64"
        ),
        Case(
            name: "secret without algorithm",
            keys: [JWTKeyConfiguration(source: .secretEnvironmentVariable("JWT_SECRET"), algorithm: nil)],
            code: "algorithm_required", fragment: "JWT_SECRET"
        ),
        Case(
            name: "secret for an asymmetric algorithm",
            keys: [JWTKeyConfiguration(source: .secretEnvironmentVariable("JWT_SECRET"), algorithm: .es256)],
            code: "key_type_mismatch", fragment: "EC P-256"
        ),
        Case(
            name: "PEM for an HMAC algorithm",
            keys: [JWTKeyConfiguration(source: .publicKeyFile(path: KeyFixtures.rsa.publicPath), algorithm: .hs256)],
            code: "key_type_mismatch", fragment: "shared secret"
        ),
        Case(
            name: "missing file",
            keys: [JWTKeyConfiguration(source: .publicKeyFile(path: "/nonexistent/key.pem"), algorithm: .es256)],
            code: "file_unreadable", fragment: "no such file"
        ),
        Case(
            name: "bad PEM",
            keys: [JWTKeyConfiguration(source: .publicKeyFile(path: garbage), algorithm: .es256)],
            code: "bad_pem", fragment: garbage
        ),
        Case(
            name: "private key given as public key",
            keys: [JWTKeyConfiguration(source: .publicKeyFile(path: privateKeyFile), algorithm: .es256)],
            code: "private_key_in_public_key_file", fragment: "-pubout"
        ),
        Case(
            name: "RSA PEM for ES256",
            keys: [JWTKeyConfiguration(source: .publicKeyFile(path: KeyFixtures.rsa.publicPath), algorithm: .es256)],
            code: "key_type_mismatch", fragment: "holds an RSA key"
        ),
        Case(
            name: "P-256 PEM for ES384",
            keys: [JWTKeyConfiguration(source: .publicKeyFile(path: KeyFixtures.p256.publicPath), algorithm: .es384)],
            code: "key_type_mismatch", fragment: "holds an EC P-256 key"
        ),
        Case(
            name: "Ed25519 PEM for RS256",
            keys: [JWTKeyConfiguration(source: .publicKeyFile(path: KeyFixtures.ed25519.publicPath), algorithm: .rs256)],
            code: "key_type_mismatch", fragment: "holds an Ed25519 key"
        ),
        Case(
            name: "RSA key under 2048 bits",
            keys: [JWTKeyConfiguration(source: .publicKeyFile(path: KeyFixtures.rsaSmall.publicPath), algorithm: .rs256)],
            code: "rsa_key_too_small", fragment: "2048"
        ),
        Case(
            name: "JWKS not JSON",
            keys: [JWTKeyConfiguration(source: .jwksFile(path: notJSON), algorithm: nil)],
            code: "bad_jwks", fragment: "keys"
        ),
        Case(
            name: "kid on a JWKS entry",
            keys: [JWTKeyConfiguration(source: .jwksFile(path: notJSON), algorithm: nil, keyID: "k")],
            code: "key_id_on_jwks", fragment: "carry their own"
        ),
    ]

    @Test(arguments: cases)
    func configurationMistake(_ test: Case) async throws {
        let error = await #expect(throws: AuthConfigurationError.self) {
            try await TokenVerifier(settings: JWTSettings(keys: test.keys), environment: test.environment)
        }
        #expect(error?.code == test.code)
        #expect(error?.description.contains(test.fragment) == true, "\(String(describing: error))")
    }

    /// The secret itself never appears in an error, even one about that secret.
    @Test func secretIsNotInTheMessage() async throws {
        let secret = "short-secret-value"
        let error = await #expect(throws: AuthConfigurationError.self) {
            try await TokenVerifier(
                settings: JWTSettings(keys: [JWTKeyConfiguration(source: .secretEnvironmentVariable("S"), algorithm: .hs256)]),
                environment: ["S": secret]
            )
        }
        #expect(error?.description.contains(secret) == false)
    }

    @Test func minterRefusesAKeyOfAnotherType() async throws {
        let error = await #expect(throws: AuthConfigurationError.self) {
            try await TokenMinter(algorithm: .es384, privateKeyPEM: KeyFixtures.p256.privatePEM)
        }
        #expect(error?.code == "key_type_mismatch")
        let publicOnly = await #expect(throws: AuthConfigurationError.self) {
            try await TokenMinter(algorithm: .es256, privateKeyPEM: KeyFixtures.p256.publicPEM)
        }
        #expect(publicOnly?.code == "bad_pem")
    }
}

/// Each field of the settings arrives, and the defaults are the documented ones.
@Suite struct JWTSettingsTests {
    @Test func defaults() {
        let settings = JWTSettings(keys: [])
        #expect(settings.leeway == .seconds(30))
        #expect(settings.expiryWarning == .seconds(60))
        #expect(settings.issuer == nil && settings.audience == nil && settings.cookieName == nil)
    }

    @Test func everyArgumentArrives() {
        let key = JWTKeyConfiguration(source: .jwksFile(path: "/k.json"), algorithm: .ps256, keyID: nil)
        let settings = JWTSettings(
            keys: [key],
            issuer: "https://auth.example",
            audience: "ssegate",
            leeway: .seconds(5),
            cookieName: "ssegate_token",
            expiryWarning: .seconds(90)
        )
        #expect(settings.keys == [key])
        #expect(key.source == .jwksFile(path: "/k.json") && key.algorithm == .ps256 && key.keyID == nil)
        let secret = JWTKeyConfiguration(source: .secretEnvironmentVariable("S"), algorithm: .hs384, keyID: "k")
        #expect(secret.source == .secretEnvironmentVariable("S") && secret.algorithm == .hs384 && secret.keyID == "k")
        #expect(settings.issuer == "https://auth.example")
        #expect(settings.audience == "ssegate")
        #expect(settings.leeway == .seconds(5))
        #expect(settings.cookieName == "ssegate_token")
        #expect(settings.expiryWarning == .seconds(90))
    }
}
