import Foundation
import GatewayAuth
import GatewayConfig
import GatewayHTTP
import Testing

/// `auth:`, per-route `auth` / `public_channels` / `cors`, and per-listener `hsts`: decoded into GatewayAuth's
/// and GatewayHTTP's own types, and every bad value reported at its line and column.
@Suite struct AuthConfigurationTests {
    static let keys = "auth:\n  jwt:\n    keys:\n      - {alg: HS256, secret_env: JWT_SECRET}\n"

    @Test func everyKeyArrives() throws {
        let yaml = """
            listeners:
              - {name: public, host: 0.0.0.0, port: 8443, tls: true, hsts: {max_age: 365d, include_subdomains: true}}
              - {name: local, host: 127.0.0.1, port: 8080, tls: false}
            auth:
              jwt:
                keys:
                  - {alg: HS256, secret_env: JWT_SECRET, kid: one}
                  - {alg: ES256, public_key_file: conf/es256.pub.pem}
                  - {jwks_file: conf/jwks.json}
                issuer: https://auth.example
                audience: ssegate
                leeway: 10s
                cookie: ssegate_token
                expiry_warning: 2m
            routes:
              - path: /events/{channel}
                channel: "{channel}"
                auth: optional
                public_channels: [news, "status:*"]
                cors: {origins: ["https://app.example", "https://*.example.com"], credentials: true, headers: [x-trace], max_age: 1h}
              - path: /publish/{channel}
                publish: "{channel}"
                auth: jwt
            """
        let configuration = try GatewayConfiguration.parse(yaml: yaml, fileName: "t.yaml")
        let jwt = try #require(configuration.auth.jwt)
        #expect(jwt.keys == [
            JWTKeyConfiguration(source: .secretEnvironmentVariable("JWT_SECRET"), algorithm: .hs256, keyID: "one"),
            JWTKeyConfiguration(source: .publicKeyFile(path: "conf/es256.pub.pem"), algorithm: .es256),
            JWTKeyConfiguration(source: .jwksFile(path: "conf/jwks.json"), algorithm: nil),
        ])
        #expect(jwt.issuer == "https://auth.example")
        #expect(jwt.audience == "ssegate")
        #expect(jwt.leeway == .seconds(10))
        #expect(jwt.cookieName == "ssegate_token")
        #expect(jwt.expiryWarning == .seconds(120))
        #expect(configuration.auth.keyPositions.map(\.line) == [7, 8, 9])
        let events = configuration.routes[0]
        #expect(events.auth == .optional)
        #expect(events.publicChannels.map(\.description) == ["news", "status:*"])
        let cors = try #require(events.cors)
        #expect(cors.allows(origin: "https://app.example"))
        #expect(cors.allows(origin: "https://eu.example.com"))
        #expect(!cors.allows(origin: "https://evil.example"))
        #expect(cors.allowsCredentials)
        #expect(cors.allowedHeaders.contains("x-trace") && cors.allowedHeaders.contains("last-event-id"))
        #expect(cors.maxAge == .seconds(3600))
        #expect(configuration.routes[1].auth == .jwt)
        #expect(configuration.listeners[0].strictTransportSecurity == StrictTransportSecurity(maxAge: .seconds(365 * 86400), includeSubdomains: true))
        #expect(configuration.listeners[1].strictTransportSecurity == nil)
    }

    @Test func routesWithoutAuthKeepTodaysBehaviour() throws {
        let configuration = try GatewayConfiguration.parse(yaml: "routes:\n  - {path: \"/e/{c}\", channel: \"{c}\"}\n", fileName: "t")
        #expect(configuration.auth.jwt == nil)
        #expect(configuration.routes[0].auth == .none)
        #expect(configuration.routes[0].cors == nil)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var yaml: String
        var line: Int
        var column: Int
        var fragment: String
        var testDescription: String { name }
    }

    static let route = "routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n"

    static let cases: [Case] = [
        Case(name: "unknown algorithm", yaml: "auth:\n  jwt:\n    keys:\n      - {alg: HS999, secret_env: S}\n" + route,
             line: 4, column: 15, fragment: "auth.jwt.keys[0].alg: expected one of HS256, HS384, HS512, RS256, PS256, ES256, ES384, EdDSA, found 'HS999'"),
        Case(name: "no key source", yaml: "auth:\n  jwt:\n    keys:\n      - {alg: HS256}\n" + route,
             line: 4, column: 9, fragment: "auth.jwt.keys[0] has no key source (expected one of: secret_env, public_key_file, jwks_file)"),
        Case(name: "two key sources", yaml: "auth:\n  jwt:\n    keys:\n      - {alg: HS256, secret_env: S, jwks_file: j.json}\n" + route,
             line: 4, column: 9, fragment: "has more than one key source (secret_env, jwks_file)"),
        Case(name: "secret without algorithm", yaml: "auth:\n  jwt:\n    keys:\n      - {secret_env: S}\n" + route,
             line: 4, column: 9, fragment: "auth.jwt.keys[0]: missing required key 'alg'"),
        Case(name: "secret with an asymmetric algorithm", yaml: "auth:\n  jwt:\n    keys:\n      - {alg: RS256, secret_env: S}\n" + route,
             line: 4, column: 15, fragment: "a secret_env key signs with HS256, HS384 or HS512, not RS256"),
        Case(name: "public key with an HMAC algorithm", yaml: "auth:\n  jwt:\n    keys:\n      - {alg: HS256, public_key_file: k.pem}\n" + route,
             line: 4, column: 15, fragment: "a public_key_file verifies RS256, PS256, ES256, ES384 or EdDSA, not HS256"),
        Case(name: "secret written instead of its variable", yaml: "auth:\n  jwt:\n    keys:\n      - {alg: HS256, secret_env: hunter2}\n" + route,
             line: 4, column: 34, fragment: "'hunter2' is not an environment variable name"),
        Case(name: "kid on a JWKS file", yaml: "auth:\n  jwt:\n    keys:\n      - {jwks_file: j.json, kid: a}\n" + route,
             line: 4, column: 29, fragment: "a jwks_file's keys carry their own kid"),
        Case(name: "no keys", yaml: "auth:\n  jwt:\n    keys: []\n" + route,
             line: 3, column: 11, fragment: "auth.jwt.keys: at least one key is required"),
        Case(name: "unknown jwt key", yaml: "auth:\n  jwt:\n    algorithm: HS256\n" + route,
             line: 3, column: 5, fragment: "unknown key 'algorithm' in auth.jwt"),
        Case(name: "jwt route without keys", yaml: "routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n    auth: jwt\n",
             line: 4, column: 11, fragment: "routes[0].auth: 'auth: jwt' needs keys to verify tokens with; configure auth.jwt.keys"),
        Case(name: "unknown auth mode", yaml: keys + "routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n    auth: oauth\n",
             line: 8, column: 11, fragment: "routes[0].auth: expected one of none, jwt, optional, found 'oauth'"),
        Case(name: "optional publish", yaml: keys + "routes:\n  - path: /p/{c}\n    publish: \"{c}\"\n    auth: optional\n",
             line: 8, column: 11, fragment: "routes[0].auth: expected one of none, jwt, found 'optional'"),
        Case(name: "public channels without optional", yaml: keys + "routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n    auth: jwt\n    public_channels: [news]\n",
             line: 9, column: 5, fragment: "public channels only mean something with 'auth: optional'"),
        Case(name: "subject in a public channel", yaml: keys + "routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n    auth: optional\n    public_channels: [\"user:{sub}\"]\n",
             line: 9, column: 23, fragment: "'{sub}' cannot appear in a public channel"),
        Case(name: "bad origin pattern", yaml: "routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n    cors: {origins: [\"https://app.example/\"]}\n",
             line: 4, column: 22, fragment: "routes[0].cors.origins[0]: origin 'https://app.example/' must be scheme://host[:port], without a path"),
        Case(name: "wildcard origin with credentials", yaml: "routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n    cors: {origins: [\"*\"], credentials: true}\n",
             line: 4, column: 11, fragment: "origin '*' cannot be combined with credentials"),
        Case(name: "cors without origins", yaml: "routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n    cors: {credentials: true}\n",
             line: 4, column: 11, fragment: "routes[0].cors: missing required key 'origins'"),
        Case(name: "hsts on plaintext", yaml: "listeners:\n  - {host: 127.0.0.1, port: 80, tls: false, hsts: {max_age: 1d}}\n" + route,
             line: 2, column: 45, fragment: "listeners[0].hsts: only a TLS listener can send HSTS"),
        Case(name: "hsts without max_age", yaml: "listeners:\n  - {host: 127.0.0.1, port: 443, tls: true, hsts: {include_subdomains: true}}\n" + route,
             line: 2, column: 51, fragment: "listeners[0].hsts: missing required key 'max_age'"),
    ]

    @Test(arguments: cases)
    func reportsAtThePosition(_ test: Case) throws {
        let error = #expect(throws: ConfigurationError.self) {
            try GatewayConfiguration.parse(yaml: test.yaml, fileName: "conf/test.yaml")
        }
        let problems = try #require(error?.problems)
        let matching = problems.filter { $0.message.contains(test.fragment) }
        #expect(matching.count == 1, "\(problems)")
        if let problem = matching.first {
            #expect("\(problem.line):\(problem.column)" == "\(test.line):\(test.column)", "\(problem)")
        }
    }

    /// Keys are read when a verifier is built (start, reload, check-config); a key that cannot be read is
    /// reported at its own entry, and the others are not blamed.
    @Test func unreadableKeysAreReportedAtTheirEntry() async throws {
        let yaml = """
            auth:
              jwt:
                keys:
                  - {alg: HS256, secret_env: JWT_SECRET}
                  - {alg: HS256, secret_env: JWT_MISSING}
                  - {alg: ES256, public_key_file: /nonexistent/es256.pub.pem}
            routes:
              - {path: "/e/{c}", channel: "{c}", auth: jwt}
            """
        let configuration = try GatewayConfiguration.parse(yaml: yaml, fileName: "conf/test.yaml")
        let environment = ["JWT_SECRET": String(repeating: "k", count: 32)]
        let error = await #expect(throws: ConfigurationError.self) {
            _ = try await configuration.tokenVerifier(environment: environment)
        }
        let problems = try #require(error?.problems).map(\.description)
        #expect(problems.count == 2, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("conf/test.yaml:5:9: error: auth.jwt.keys[1]: environment variable JWT_MISSING is not set") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("conf/test.yaml:6:9: error: auth.jwt.keys[2]: cannot read /nonexistent/es256.pub.pem") }, "\(problems)")

        var working = configuration
        working.auth.jwt?.keys.removeLast(2)
        let verifier = try #require(try await working.tokenVerifier(environment: environment))
        #expect(verifier.keyCount == 1)
    }

    @Test func noAuthSectionMeansNoVerifier() async throws {
        let configuration = try GatewayConfiguration.parse(yaml: Self.route, fileName: "t")
        #expect(try await configuration.tokenVerifier(environment: [:]) == nil)
    }
}
