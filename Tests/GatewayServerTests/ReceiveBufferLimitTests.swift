import Foundation
import GatewayTestSupport
import NIOCore
import Testing

@testable import GatewayServer

/// NIO keeps a connection's largest receive buffer for the connection's life; on public listeners it may
/// grow to 2 KiB only, so a burst of requests followed by idling cannot pin 32–64 KiB per connection.
@Suite struct ReceiveBufferLimitTests {
    @Test func publicConnectionsReadAtMostTwoKiBAndTrustedOnesSixtyFour() async throws {
        let gateway = try await TestGateway.start()
        let overTLS = try ChildProcess("curl", ["-sS", "-N", "--max-time", "15", "--cacert", gateway.caPath, "\(gateway.tlsURL)/events/reads"])
        defer { overTLS.terminate() }
        let overPlaintext = try ChildProcess("curl", ["-sS", "-N", "--max-time", "15", "\(gateway.plainURL)/events/reads"])
        defer { overPlaintext.terminate() }
        #expect(await gateway.waitForSubscribers("reads", count: 2))

        var maximumByPort: [Int: [Int]] = [:]
        for channel in gateway.server.registry.channels {
            let allocator = try await channel.getOption(.recvAllocator).get()
            let maximum = try #require(allocator as? AdaptiveRecvByteBufferAllocator).maximum
            maximumByPort[channel.localAddress?.port ?? 0, default: []].append(maximum)
        }
        #expect(maximumByPort[gateway.tlsPort] == [2_048], "public (TLS) listener: \(maximumByPort)")
        #expect(maximumByPort[gateway.plainPort] == [65_536], "trusted (loopback plaintext) listener: \(maximumByPort)")
        await gateway.stop()
    }
}
