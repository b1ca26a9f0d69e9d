import Foundation
import GatewayAuth

// Token verifications per second on one core, for HS256 and ES256, to set beside the cost of a TLS handshake
// (BENCHMARKS.md). Keys are made by the `openssl` CLI, as an operator would. Run a release build:
//   swift run -c release ssegate-authbench [seconds per algorithm, default 3]

let secondsPerAlgorithm = CommandLine.arguments.dropFirst().first.flatMap(Double.init) ?? 3
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-authbench-\(getpid())")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }

func openssl(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["openssl"] + arguments
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { fatalError("openssl \(arguments.joined(separator: " ")) failed") }
}

let privatePath = directory.appendingPathComponent("es256.key").path
let publicPath = directory.appendingPathComponent("es256.pub.pem").path
try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", privatePath])
try openssl(["pkey", "-in", privatePath, "-pubout", "-out", publicPath])

let secret = String(repeating: "benchmark-secret-", count: 4)
let environment = ["SSEGATE_JWT_SECRET": secret]
let grant = TokenGrant(subject: "user-42", timeToLive: .seconds(3600), subscribe: ["user:{sub}", "news:*"], session: "s-1")
let now = Date()

let cases: [(name: String, key: JWTKeyConfiguration, minter: TokenMinter)] = [
    (
        "HS256",
        JWTKeyConfiguration(source: .secretEnvironmentVariable("SSEGATE_JWT_SECRET"), algorithm: .hs256),
        try await TokenMinter(algorithm: .hs256, secret: secret)
    ),
    (
        "ES256",
        JWTKeyConfiguration(source: .publicKeyFile(path: publicPath), algorithm: .es256),
        try await TokenMinter(algorithm: .es256, privateKeyPEM: String(contentsOfFile: privatePath, encoding: .utf8))
    ),
]

print("algorithm  verifications/s  µs/verification")
for (name, key, minter) in cases {
    let verifier = try await TokenVerifier(settings: JWTSettings(keys: [key]), environment: environment)
    let token = try minter.mint(grant, now: now)
    guard case .success = verifier.verify(token, now: now) else { fatalError("\(name): the minted token does not verify") }
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .milliseconds(Int(secondsPerAlgorithm * 1000)))
    var count = 0
    let start = clock.now
    while clock.now < deadline {
        for _ in 0..<100 {
            if case .failure(let failure) = verifier.verify(token, now: now) { fatalError("\(name): \(failure)") }
        }
        count += 100
    }
    let elapsed = (clock.now - start) / .seconds(1)
    let perSecond = Double(count) / elapsed
    print(name.padding(toLength: 11, withPad: " ", startingAt: 0)
        + String(format: "%15.0f  %15.1f", perSecond, 1_000_000 / perSecond))
}
