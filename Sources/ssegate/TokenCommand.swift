import ArgumentParser
import Foundation
import GatewayAuth
import GatewayConfig

/// `ssegate token`: mints a token the configured gateway accepts, for development and tests. Signs with the
/// config's shared secret (read from its variable), or with the private key file given with `--key` for
/// configurations that verify with public keys.
struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mint a JWT for this gateway's auth.jwt keys (development and tests).",
        discussion: "Example: ssegate token --config conf/ssegate.yaml --sub alice --subscribe 'user:{sub}' --subscribe news --ttl 1h"
    )

    @OptionGroup var options: ConfigOption

    @Option(help: "The subject (sub): who the token stands for.")
    var sub: String

    @Option(parsing: .upToNextOption, help: "Channel patterns the token may subscribe to (exact, '*', '{sub}').")
    var subscribe: [String] = []

    @Option(parsing: .upToNextOption, help: "Channel patterns the token may publish on.")
    var publish: [String] = []

    @Option(help: "Time to live, as in the config: 30s, 15m, 1h, 1d.")
    var ttl: String = "1h"

    @Option(help: "The session id (ssegate.session) the token lets its holder use.")
    var session: String?

    @Option(help: "A private key PEM file to sign with (for RS256, PS256, ES256, ES384, EdDSA keys).")
    var key: String?

    @Option(help: "The algorithm for --key; default: the first public-key entry's alg in the config.")
    var alg: String?

    @Option(help: "The kid header to write; default: the chosen config key's kid.")
    var kid: String?

    func run() async throws {
        let (configuration, source) = try options.load()
        guard let jwt = configuration.auth.jwt else {
            throw ValidationError("\(source) has no auth.jwt section: there is no key to sign for")
        }
        let timeToLive: Duration
        switch DurationText.parse(ttl) {
        case .success(let duration): timeToLive = duration
        case .failure(let problem): throw ValidationError("--ttl: \(problem)")
        }
        let minter = try await makeMinter(jwt)
        let grant = TokenGrant(
            subject: sub, timeToLive: timeToLive, issuer: jwt.issuer, audience: jwt.audience,
            subscribe: subscribe, publish: publish, session: session)
        print(try minter.mint(grant, now: Date()))
    }

    /// The config's first secret key, or `--key` with the algorithm of the config's first public-key entry.
    private func makeMinter(_ jwt: JWTSettings) async throws -> TokenMinter {
        if let key {
            let pem = try String(contentsOfFile: key, encoding: .utf8)
            let configured = jwt.keys.first { $0.algorithm.map { !$0.usesSharedSecret } ?? false }
            guard let algorithm = alg.flatMap(JWTSigningAlgorithm.init(rawValue:)) ?? configured?.algorithm else {
                throw ValidationError("--alg: name the key's algorithm (\(JWTSigningAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return try await TokenMinter(algorithm: algorithm, privateKeyPEM: pem, keyID: kid ?? configured?.keyID)
        }
        guard let secret = jwt.keys.first(where: { if case .secretEnvironmentVariable = $0.source { true } else { false } }) else {
            throw ValidationError("auth.jwt has no secret_env key; sign with a private key file: --key PEM")
        }
        var chosen = secret
        if let kid { chosen.keyID = kid }
        return try await TokenMinter(key: chosen, environment: ProcessInfo.processInfo.environment)
    }
}
