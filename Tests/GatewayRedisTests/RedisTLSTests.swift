import Foundation
import GatewayRedis
import GatewayTLS
import NIOCore
import NIOPosix
import Testing

extension LiveRedisTests {
    /// `rediss://` against a redis-server with a certificate from a CA made at test time by the openssl CLI.
    /// Skipped, visibly, when the installed redis-server has no TLS support.
    @Suite(.timeLimit(.minutes(1)), .enabled(if: RedisTestServer.supportsTLS, "redis-server was built without TLS"))
    struct RedisTLSTests {
        @Test func verifiedTLSConnectionWithPassword() async throws {
            let server = try await RedisTestServer.start(password: "tls-pass", tls: true)
            defer { server.stop() }
            let url = try RedisURL("rediss://:tls-pass@127.0.0.1:\(server.port)/2")
            let configuration = try RedisConnectionConfiguration(url: url, caFile: server.certificates?.caCertificate, connectTimeout: RedisTestServer.connectTimeout)
            let connection = try await RedisConnection.connect(configuration, on: MultiThreadedEventLoopGroup.singleton.next()).get()
            try await connection.set("over", to: "tls").get()
            #expect(try await connection.get("over").get() == ByteBuffer(string: "tls"))
            let futures = (0..<1000).map { connection.send(["ECHO", .string("\($0)")]) }
            let replies = try await EventLoopFuture.whenAllSucceed(futures, on: connection.eventLoop).get()
            #expect(replies.last?.string == "999")
            try await connection.close().get()
        }

        @Test func serverNameIsCheckedAgainstTheCertificate() async throws {
            let server = try await RedisTestServer.start(tls: true)
            defer { server.stop() }
            // "localhost" is in the certificate; a name that is not fails verification.
            let good = try RedisConnectionConfiguration(url: RedisURL("rediss://localhost:\(server.port)"), caFile: server.certificates?.caCertificate, connectTimeout: RedisTestServer.connectTimeout)
            let connection = try await RedisConnection.connect(good, on: MultiThreadedEventLoopGroup.singleton.next()).get()
            try await connection.ping().get()
            try await connection.close().get()
        }

        @Test func untrustedCertificateIsRefused() async throws {
            let server = try await RedisTestServer.start(tls: true)
            defer { server.stop() }
            let other = try TestCertificates.make(in: server.directory.appendingPathComponent("other", isDirectory: true).creatingDirectory())
            let configuration = try RedisConnectionConfiguration(url: server.url, caFile: other.caCertificate, connectTimeout: RedisTestServer.connectTimeout)
            await #expect { try await RedisConnection.connect(configuration, on: MultiThreadedEventLoopGroup.singleton.next()).get() } throws: { error in
                (error as? RedisConnectionError)?.description.hasPrefix("Redis TLS failed") == true
            }
        }

        @Test func plainClientOnATLSPortFailsWithinTheTimeout() async throws {
            let server = try await RedisTestServer.start(tls: true)
            defer { server.stop() }
            let configuration = RedisConnectionConfiguration(url: RedisURL(host: "127.0.0.1", port: server.port), connectTimeout: .milliseconds(500))
            let started = ContinuousClock.now
            await #expect(throws: RedisConnectionError.self) {
                try await RedisConnection.connect(configuration, on: MultiThreadedEventLoopGroup.singleton.next()).get()
            }
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }
}

extension URL {
    func creatingDirectory() throws -> URL {
        try FileManager.default.createDirectory(at: self, withIntermediateDirectories: true)
        return self
    }
}
