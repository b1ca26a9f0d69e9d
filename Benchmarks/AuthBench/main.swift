import Foundation
import GatewayAuth

// Token verifications per CPU second on one core, for HS256 and ES256, to set beside the cost of a TLS handshake
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

/// CPU seconds this process has used: the measure that stays meaningful when other builds share the cores.
func cpuSeconds() -> Double {
    var usage = rusage()
    #if canImport(Glibc)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    return user + system
}

print("algorithm  verifications/CPU-s  µs CPU/verification  verifications/wall-s")
for (name, key, minter) in cases {
    let verifier = try await TokenVerifier(settings: JWTSettings(keys: [key]), environment: environment)
    let token = try minter.mint(grant, now: now)
    guard case .success = verifier.verify(token, now: now) else { fatalError("\(name): the minted token does not verify") }
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .milliseconds(Int(secondsPerAlgorithm * 1000)))
    var count = 0
    let wallStart = clock.now
    let cpuStart = cpuSeconds()
    while clock.now < deadline {
        for _ in 0..<100 {
            if case .failure(let failure) = verifier.verify(token, now: now) { fatalError("\(name): \(failure)") }
        }
        count += 100
    }
    let cpu = cpuSeconds() - cpuStart
    let wall = (clock.now - wallStart) / .seconds(1)
    print(
        name.padding(toLength: 11, withPad: " ", startingAt: 0)
            + String(format: "%19.0f  %19.1f  %20.0f", Double(count) / cpu, cpu * 1_000_000 / Double(count), Double(count) / wall)
    )
}
