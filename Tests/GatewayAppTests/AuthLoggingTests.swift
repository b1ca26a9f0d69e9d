import Foundation
@testable import GatewayApp
import GatewayAuth
import GatewayConfig
import GatewayHTTP
import GatewayHub
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

/// Refusals are logged with their reason and where the token came from, never with the token.
@Suite struct AuthLoggingTests {
    /// Keeps every line (message and metadata rendered as text).
    final class RecordingHandler: LogHandler, Sendable {
        let lines = Mutex<[String]>([])
        var metadata: Logger.Metadata {
            get { [:] }
            set {}
        }
        var logLevel: Logger.Level {
            get { .trace }
            set {}
        }
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { nil }
            set {}
        }

        func log(event: LogEvent) {
            let rendered = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            lines.withLock { $0.append("\(event.message) \(rendered)") }
        }
    }

    @Test func refusalsNameTheReasonButNeverTheToken() async throws {
        let configuration = try GatewayConfiguration.parse(yaml: AccessControlTests.yaml, fileName: "t.yaml")
        let verifier = try await configuration.tokenVerifier(environment: ["JWT_SECRET": AccessControlTests.secret])
        let handler = RecordingHandler()
        let logger = Logger(label: "test") { _ in handler }
        let snapshot = RuntimeSnapshot(configuration: configuration, engine: MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits()),
                                       publishToken: nil, readiness: Readiness(), tokenVerifier: verifier, logger: logger)
        let minter = try await TokenMinter(algorithm: .hs256, secret: AccessControlTests.secret)
        let expired = try minter.mint(TokenGrant(subject: "alice", timeToLive: .seconds(60), subscribe: ["news"]), now: Date().addingTimeInterval(-3600))
        let narrow = try minter.mint(TokenGrant(subject: "alice", timeToLive: .seconds(600), subscribe: ["news"]), now: Date())
        let loop = EmbeddedEventLoop()
        func send(_ target: String) {
            _ = snapshot.respond(to: Request(method: .GET, target: target, headers: [], body: ByteBuffer(),
                                             connection: ConnectionInfo(listener: "t", trusted: false)), on: loop)
        }
        send("/events/news?access_token=\(expired)")
        send("/events/sports?access_token=\(narrow)")
        let lines = handler.lines.withLock { $0 }
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.first { $0.hasPrefix("authentication refused") }?.contains("reason=expired") == true, "\(lines)")
        #expect(lines.first { $0.hasPrefix("authentication refused") }?.contains("token=query") == true, "\(lines)")
        #expect(lines.first { $0.hasPrefix("subscribe refused") }?.contains("channel=sports") == true, "\(lines)")
        for line in lines {
            #expect(!line.contains(expired) && !line.contains(narrow) && !line.contains(String(narrow.prefix(20))))
        }
    }
}
