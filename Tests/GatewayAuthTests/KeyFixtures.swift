import Foundation
import GatewayAuth

/// Keys generated once per test run with the `openssl` CLI (as an operator would), in a temporary directory.
struct KeyPair: Sendable {
    var privatePEM: String
    var publicPEM: String
    var publicPath: String
}

enum KeyFixtures {
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-auth-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static let rsa = generate("rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
    static let rsaOther = generate("rsa-other", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
    static let rsaSmall = generate("rsa-small", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"])
    static let p256 = generate("p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
    static let p256Other = generate("p256-other", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
    static let p384 = generate("p384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"])
    static let ed25519 = generate("ed25519", ["-algorithm", "ed25519"])

    /// A secret long enough for every HS algorithm (64 bytes).
    static let secret = String(repeating: "s3cr3t-", count: 10)

    /// The key pair of an asymmetric algorithm.
    static func pair(for algorithm: JWTSigningAlgorithm) -> KeyPair {
        switch algorithm {
        case .rs256, .ps256: rsa
        case .es256: p256
        case .es384: p384
        case .edDSA: ed25519
        case .hs256, .hs384, .hs512: preconditionFailure("\(algorithm) uses a secret")
        }
    }

    /// Writes `text` to a new file in the temporary directory and returns its path.
    static func write(_ text: String, named name: String) -> String {
        let path = directory.appendingPathComponent("\(UUID().uuidString)-\(name)").path
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private static func generate(_ name: String, _ arguments: [String]) -> KeyPair {
        let privatePath = directory.appendingPathComponent("\(name).key").path
        let publicPath = directory.appendingPathComponent("\(name).pub.pem").path
        run(["genpkey"] + arguments + ["-out", privatePath])
        run(["pkey", "-in", privatePath, "-pubout", "-out", publicPath])
        return KeyPair(
            privatePEM: try! String(contentsOfFile: privatePath, encoding: .utf8),
            publicPEM: try! String(contentsOfFile: publicPath, encoding: .utf8),
            publicPath: publicPath
        )
    }

    private static func run(_ arguments: [String]) {
        _ = try! opensslOutput(arguments)
    }

    /// Runs `openssl` and returns what it printed.
    static func opensslOutput(_ arguments: [String]) throws -> String {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        precondition(process.terminationStatus == 0, "openssl \(arguments.joined(separator: " ")) failed")
        return String(decoding: data, as: UTF8.self)
    }
}

/// Builders shared by the suites.
enum Fixtures {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func keyConfiguration(for algorithm: JWTSigningAlgorithm, keyID: String? = nil) -> JWTKeyConfiguration {
        if algorithm.usesSharedSecret {
            return JWTKeyConfiguration(source: .secretEnvironmentVariable("JWT_SECRET"), algorithm: algorithm, keyID: keyID)
        }
        return JWTKeyConfiguration(source: .publicKeyFile(path: KeyFixtures.pair(for: algorithm).publicPath), algorithm: algorithm, keyID: keyID)
    }

    static let environment = ["JWT_SECRET": KeyFixtures.secret]

    static func minter(for algorithm: JWTSigningAlgorithm, keyID: String? = nil) async throws -> TokenMinter {
        if algorithm.usesSharedSecret {
            return try await TokenMinter(algorithm: algorithm, secret: KeyFixtures.secret, keyID: keyID)
        }
        return try await TokenMinter(algorithm: algorithm, privateKeyPEM: KeyFixtures.pair(for: algorithm).privatePEM, keyID: keyID)
    }

    static func verifier(_ settings: JWTSettings) async throws -> TokenVerifier {
        try await TokenVerifier(settings: settings, environment: environment)
    }

    static let grant = TokenGrant(
        subject: "alice",
        timeToLive: .seconds(3600),
        subscribe: ["user:{sub}", "news:*"],
        publish: ["chat:{sub}"],
        session: "s-123"
    )
}

extension Result {
    /// The failure, or nil on success: lets `#expect(result.failure == .expired)` read as a sentence.
    var failure: Failure? {
        if case .failure(let failure) = self { failure } else { nil }
    }

    var success: Success? {
        if case .success(let value) = self { value } else { nil }
    }
}
