import CNGHTTP2
import Foundation
import NIOCore
import Testing
@testable import GatewayHTTP2

#if canImport(Glibc)
import Glibc
#endif

/// What closed-stream retention costs (HTTP2ServerSession+ClosedStreams.swift): a bound on how many closed
/// streams nghttp2 keeps, always checked, and the heap bytes per stream, measured on demand.
@Suite(.serialized) struct HTTP2ClosedStreamMemoryTests {
    /// Opens `count` requests one after the other and answers each completely, so each closes.
    private func closeStreams(_ count: Int, _ server: HTTP2ServerSession, _ client: InMemoryHTTP2Client) throws {
        for _ in 0..<count {
            client.request(path: "/healthz")
            try pump(client, server)
            for (id, _) in server.takeEvents().requests {
                server.respond(to: id, status: 204, headers: [], body: .empty)
            }
            try pump(client, server)
        }
    }

    /// Opens `count` requests and answers each with a streaming body that never ends: idle SSE streams.
    private func openIdleStreams(_ count: Int, _ server: HTTP2ServerSession, _ client: InMemoryHTTP2Client) throws {
        for _ in 0..<count {
            client.request(path: "/events")
        }
        try pump(client, server)
        for (id, _) in server.takeEvents().requests {
            server.respond(to: id, status: 200, headers: [], body: .streaming)
        }
        try pump(client, server)
    }

    /// Client stream ids nghttp2 still holds (open, or closed and retained).
    private func heldStreams(_ server: HTTP2ServerSession, below limit: Int32) -> Int {
        stride(from: Int32(1), to: limit, by: 2).count { nghttp2_session_find_stream(server.session, $0) != nil }
    }

    /// nghttp2 keeps at most SETTINGS_MAX_CONCURRENT_STREAMS minus the open streams, however many closed.
    @Test func retentionIsBoundedByTheConcurrentStreamLimit() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings(maxConcurrentStreams: 10))
        let client = InMemoryHTTP2Client()
        try pump(client, server)
        try closeStreams(200, server, client)
        #expect(heldStreams(server, below: 401) == 10)
        try openIdleStreams(4, server, client)
        #expect(server.openStreamCount == 4)
        try closeStreams(1, server, client)
        #expect(heldStreams(server, below: 501) == 10)  // 4 open + 6 closed
    }

    /// With the RFC 7540 scheme on, PRIORITY frames for idle streams create dependency-tree anchors;
    /// nghttp2 keeps at most 100 of them (`nghttp2_session_adjust_idle_stream`).
    @Test func idleStreamsNamedByPriorityFramesAreBounded() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings(ignoredFrameRateBurst: 1000))
        let client = InMemoryHTTP2Client()
        try pump(client, server)
        var frames = ByteBuffer()
        for stream in stride(from: Int32(1), to: 601, by: 2) {
            frames = frames + RawFrame.priority(stream, dependsOn: 0)
        }
        try server.receive(frames)
        #expect(heldStreams(server, below: 601) == 100)
    }

    @Test func withoutRetentionNothingClosedIsHeld() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings(retainsClosedStreams: false))
        let client = InMemoryHTTP2Client()
        try pump(client, server)
        try closeStreams(50, server, client)
        #expect(heldStreams(server, below: 101) == 0)
    }

    #if canImport(Glibc) && arch(x86_64)
    /// Heap bytes in use per stream, with and without retention, over `sessions` connections of 100
    /// streams. Measured with glibc's mallinfo2, so run it alone:
    /// `SSEGATE_MEASURE_HTTP2_MEMORY=1 swift test --skip-build --filter HTTP2ClosedStreamMemoryTests`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SSEGATE_MEASURE_HTTP2_MEMORY"] != nil))
    func heapBytesPerStream() throws {
        let sessions = 50
        let streams = 100
        func heapInUse() -> Int { GlibcHeap.bytesInUse() }
        func measure(retains: Bool, _ setUp: (HTTP2ServerSession, InMemoryHTTP2Client) throws -> Void) throws -> Double {
            var pairs: [(HTTP2ServerSession, InMemoryHTTP2Client)] = []
            for _ in 0..<sessions {
                let pair = (
                    try HTTP2ServerSession(settings: HTTP2SessionSettings(retainsClosedStreams: retains)),
                    InMemoryHTTP2Client()
                )
                try pump(pair.1, pair.0)
                pairs.append(pair)
            }
            let before = heapInUse()
            for (server, client) in pairs { try setUp(server, client) }
            let after = heapInUse()
            withExtendedLifetime(pairs) {}
            return Double(after - before) / Double(sessions * streams)
        }
        // Both sides' heap grows (client sessions and Swift test state too); the difference between the
        // two settings is the server's retention cost.
        let idleRetaining = try measure(retains: true) { try openIdleStreams(streams, $0, $1) }
        let idleFreeing = try measure(retains: false) { try openIdleStreams(streams, $0, $1) }
        let closedRetaining = try measure(retains: true) { try closeStreams(streams, $0, $1) }
        let closedFreeing = try measure(retains: false) { try closeStreams(streams, $0, $1) }
        print(
            """
            HTTP/2 heap per stream (server + in-memory client), \(sessions) sessions × \(streams) streams:
              idle open streams: \(idleRetaining) B retaining, \(idleFreeing) B not retaining
              closed streams:    \(closedRetaining) B retaining, \(closedFreeing) B not retaining
            """)
        #expect(abs(idleRetaining - idleFreeing) < 64)
        #expect(closedRetaining - closedFreeing < 400)
    }
    #endif
}

#if canImport(Glibc) && arch(x86_64)
/// glibc's `mallinfo2().uordblks` (bytes in allocated chunks). Swift's Glibc module leaves out <malloc.h>,
/// so the function is looked up by name; its 80-byte struct result comes back through a hidden pointer
/// passed first (x86-64 System V ABI §3.2.3, class MEMORY), which is how it is called here.
enum GlibcHeap {
    private typealias MallInfo2 = @convention(c) (UnsafeMutableRawPointer) -> UnsafeMutableRawPointer

    static func bytesInUse() -> Int {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallinfo2") else { return 0 }
        let mallinfo2 = unsafeBitCast(symbol, to: MallInfo2.self)
        var fields = [Int](repeating: 0, count: 10)  // arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, …
        fields.withUnsafeMutableBytes { _ = mallinfo2($0.baseAddress!) }
        return fields[7]
    }
}
#endif
