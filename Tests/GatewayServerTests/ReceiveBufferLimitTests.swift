import Foundation
import GatewayTestSupport
import NIOCore
import Testing

@testable import GatewayServer

/// NIO keeps a connection's receive buffers for the connection's life, at the largest size it ever read
/// into. Public connections read at most 2 KiB at a time into buffers that live for one read, so an idle
/// stream's connection holds none (and a burst of requests followed by idling pins nothing); trusted
/// listeners keep NIO's pooled buffers, up to 64 KiB, for publishes.
@Suite struct ReceiveBufferLimitTests {
    @Test func publicConnectionsReadTwoKiBIntoBuffersTheyDoNotKeepAndTrustedOnesSixtyFour() async throws {
        let gateway = try await TestGateway.start()
        let overTLS = try ChildProcess("curl", ["-sS", "-N", "--max-time", "15", "--cacert", gateway.caPath, "\(gateway.tlsURL)/events/reads"])
        defer { overTLS.terminate() }
        let overPlaintext = try ChildProcess("curl", ["-sS", "-N", "--max-time", "15", "\(gateway.plainURL)/events/reads"])
        defer { overPlaintext.terminate() }
        #expect(await gateway.waitForSubscribers("reads", count: 2))

        var readsByPort: [Int: [String]] = [:]
        for channel in gateway.server.registry.channels {
            let allocator = try await channel.getOption(.recvAllocator).get()
            let perWakeUp = try await channel.getOption(.maxMessagesPerRead).get()
            let reads: String
            switch allocator {
            case let unpooled as UnpooledReceiveAllocator: reads = "unpooled \(unpooled.readSize) × \(perWakeUp)"
            case let adaptive as AdaptiveRecvByteBufferAllocator: reads = "pooled \(adaptive.maximum) × \(perWakeUp)"
            default: reads = "\(type(of: allocator))"
            }
            readsByPort[channel.localAddress?.port ?? 0, default: []].append(reads)
        }
        #expect(readsByPort[gateway.tlsPort] == ["unpooled 2048 × 1"], "public (TLS) listener: \(readsByPort)")
        #expect(readsByPort[gateway.plainPort] == ["pooled 65536 × 4"], "trusted (loopback plaintext) listener: \(readsByPort)")
        await gateway.stop()
    }

    /// Drives NIO's own receive-buffer pool the way a stream socket channel does (`maxMessagesPerRead` 1):
    /// the pool keeps only the first, 64-byte buffer; every later read's buffer is the reader's alone, so it
    /// is freed once the pipeline is done with it.
    @Test func theOnlyBufferNIOKeepsIsTheFirstReadsSixtyFourBytes() {
        var pool = NIOPooledRecvBufferAllocator(capacity: 1, recvAllocator: UnpooledReceiveAllocator(readSize: 2_048))
        let payload = [UInt8](repeating: 0x61, count: 4_096)
        var reads: [(capacity: Int, keptByThePool: Bool)] = []
        for _ in 0..<6 {
            var (buffer, read) = pool.buffer(allocator: ByteBufferAllocator()) { buffer in
                let room = buffer.writableBytes
                buffer.writeBytes(payload.prefix(room))
                return room
            }
            pool.record(actualReadBytes: read)
            let unique = buffer.modifyIfUniquelyOwned { _ in true } ?? false
            reads.append((buffer.capacity, !unique))
        }
        #expect(reads.map(\.capacity) == [64, 2_048, 2_048, 2_048, 2_048, 2_048])
        #expect(reads.map(\.keptByThePool) == [true, false, false, false, false, false])
        #expect(pool.count == 1)
    }
}
