import Foundation
import GatewayAuth
import GatewayConfig
import GatewayHTTP

/// What the access-control tests share: an HS256 secret in the gateway's environment, a minter for it, and
/// the gateway's default test routes turned to `auth: jwt`.
enum AuthTestSupport {
    static let secret = String(repeating: "fedcba9876543210", count: 2)
    static let environment = ["JWT_SECRET": secret, "SSEGATE_PUBLISH_TOKEN": "static-publish-token"]

    /// `auth.jwt` with the secret key and the `ssegate_token` cookie; `expiryWarning` before `exp`, streams are warned.
    static func configure(_ configuration: inout GatewayConfiguration, expiryWarning: Duration = .seconds(60)) {
        configuration.auth = AuthSettings(jwt: JWTSettings(
            keys: [JWTKeyConfiguration(source: .secretEnvironmentVariable("JWT_SECRET"), algorithm: .hs256)],
            cookieName: "ssegate_token", expiryWarning: expiryWarning))
        // Route 0 is /events/{channel}, route 1 /publish/{channel} (TestGateway's defaults).
        configuration.routes[0].auth = .jwt
        configuration.routes[1].auth = .jwt
    }

    static func token(
        _ subject: String = "alice", subscribe: [String] = [], publish: [String] = [], session: String? = nil,
        ttl: Duration = .seconds(600), now: Date = Date()
    ) async throws -> String {
        let minter = try await TokenMinter(algorithm: .hs256, secret: secret)
        return try minter.mint(TokenGrant(subject: subject, timeToLive: ttl, subscribe: subscribe, publish: publish, session: session), now: now)
    }
}
