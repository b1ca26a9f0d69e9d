import NIOCore
import Testing
@testable import GatewayHTTP2

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct FrameBufferMemoryTests {
    private let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Pages of the frame buffer's releasable range that are in the resident set (mincore(2)).
    private func residentPages(_ server: HTTP2ServerSession) throws -> Int {
        let buffer = try #require(server.memory.frameBuffer)
        let length = FrameBufferMemory.releasableLength
        var pages = [UInt8](repeating: 0, count: length / pageSize)
        #expect(mincore(buffer, length, &pages) == 0)
        return pages.filter { $0 & 1 != 0 }.count
    }

    @Test func theSessionFrameBufferIsRecognisedAndPageAligned() throws {
        // Fails if nghttp2 stops allocating its frame buffer with the length we look for.
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let buffer = try #require(server.memory.frameBuffer)
        #expect(Int(bitPattern: buffer) % pageSize == 0)
        #expect(FrameBufferMemory.releasableLength >= pageSize)
    }

    @Test func aQuietSessionGivesItsFrameBufferPagesBack() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = InMemoryHTTP2Client()
        let id = client.request(path: "/events")
        try pump(client, server)
        #expect(server.takeEvents().count == 1)
        #expect(try residentPages(server) > 0)  // our SETTINGS and the ACK were packed there

        #expect(!server.releaseFrameBufferIfQuiet())  // frames were sent since the last check
        #expect(server.releaseFrameBufferIfQuiet())
        #expect(try residentPages(server) == 0)

        // The next frames are packed into fresh zero pages and arrive intact.
        server.goAway(errorCode: HTTP2ErrorCode.noError)
        try pump(client, server)
        #expect(client.goAwayCount == 1)
        #expect(client.goAwayLastStreamID == id)
    }

    @Test func aFrameStillInTheBufferKeepsIt() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        var output = ByteBuffer()
        _ = try server.collectOutput(into: &output, maxBytes: 1)  // stops after one frame, before mem_send returns 0
        #expect(!server.releaseFrameBufferIfQuiet())
        #expect(!server.releaseFrameBufferIfQuiet())
        #expect(try residentPages(server) > 0)
    }
}
