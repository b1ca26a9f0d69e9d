import CNGHTTP2
import NIOCore
import Testing
@testable import GatewayHTTP2

@Suite struct HTTP2FloodTests {
    /// CVE-2023-44487: HEADERS then RST_STREAM, over and over. nghttp2's incoming-reset bucket (set through
    /// `resetRateBurst`) tears the connection down.
    @Test func rapidResetEndsTheConnection() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings(resetRateBurst: 10, resetRatePerSecond: 1))
        let client = InMemoryHTTP2Client()
        try pump(client, server)
        var failure: HTTP2ConnectionError?
        for _ in 0..<50 where failure == nil && client.goAwayCount == 0 {
            let id = client.request(path: "/events")
            // The HEADERS must leave before the RST, or the client's nghttp2 just cancels the request.
            failure = pumpExpectingFailure(client, server)
            client.reset(id)
            failure = failure ?? pumpExpectingFailure(client, server)
        }
        #expect(failure != nil || client.goAwayCount == 1)
        // nghttp2's own verdict: GOAWAY(INTERNAL_ERROR), then it reads no more.
        #expect(client.goAwayErrorCode == HTTP2ErrorCode.internalError)
        #expect(!server.wantsRead)
    }

    /// CVE-2024-28182: a header block spread over more CONTINUATION frames than allowed.
    @Test func tooManyContinuationsEndTheConnection() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings(maxContinuations: 1))
        let client = InMemoryHTTP2Client()
        // ~37 KB after Huffman coding: one HEADERS and two CONTINUATIONs at the 16 KB frame size.
        client.request(path: "/events", headers: [("x-big", String(repeating: "a", count: 60_000))])
        #expect(throws: HTTP2ConnectionError.tooManyContinuations) {
            try pump(client, server)
        }
    }

    /// Within the bucket, resets are fine.
    @Test func fewResetsAreTolerated() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings(resetRateBurst: 10, resetRatePerSecond: 1))
        let client = InMemoryHTTP2Client()
        for _ in 0..<5 {
            let id = client.request(path: "/events")
            try pump(client, server)
            client.reset(id)
            try pump(client, server)
        }
        #expect(client.goAwayCount == 0)
        #expect(server.wantsRead)
    }

    /// MadeYouReset class: the server is made to reset streams. Here the application resets them, which the
    /// limiter counts like resets provoked by invalid frames.
    @Test func serverResetFloodSendsEnhanceYourCalm() throws {
        let settings = HTTP2SessionSettings(serverResetRateBurst: 5, serverResetRatePerSecond: 0)
        let server = try HTTP2ServerSession(settings: settings)
        let client = InMemoryHTTP2Client()
        for _ in 0..<10 {
            client.request(path: "/events")
        }
        try pump(client, server)
        for (streamID, _) in server.takeEvents().requests {
            server.resetStream(streamID, errorCode: HTTP2ErrorCode.cancel)
        }
        var output = ByteBuffer()
        #expect(throws: HTTP2ConnectionError.flood(.serverResets)) {
            _ = try server.collectOutput(into: &output, maxBytes: 1 << 20)
        }
        #expect(frameHeaders(in: output).contains { $0.type == 0x7 })  // the GOAWAY is in the batch
        client.receive(output)
        #expect(client.goAwayErrorCode == HTTP2ErrorCode.enhanceYourCalm)
        #expect(!server.wantsRead && !server.wantsWrite)
        #expect(throws: HTTP2ConnectionError.flood(.serverResets)) {
            try server.receive(bytes("more"))
        }
    }

    /// Invalid frames provoke resets (here: WINDOW_UPDATEs that overflow the stream window, RFC 9113 §6.9.1,
    /// a stream error). Each costs the peer two tokens.
    @Test func invalidFrameFloodSendsEnhanceYourCalm() throws {
        let settings = HTTP2SessionSettings(serverResetRateBurst: 6, serverResetRatePerSecond: 0)
        let server = try HTTP2ServerSession(settings: settings)
        let client = InMemoryHTTP2Client()
        var failure: HTTP2ConnectionError?
        for _ in 0..<10 where failure == nil {
            let id = client.request(path: "/events")
            var wire = ByteBuffer(bytes: client.send())
            // WINDOW_UPDATE, 4-byte payload, increment 2^31-1 on a stream whose window is already 65535.
            wire.writeInteger(UInt8(0)); wire.writeInteger(UInt16(4))
            wire.writeInteger(UInt8(0x8)); wire.writeInteger(UInt8(0))
            wire.writeInteger(UInt32(id))
            wire.writeInteger(UInt32(0x7fff_ffff))
            do {
                try server.receive(wire)
                var output = ByteBuffer()
                _ = try server.collectOutput(into: &output, maxBytes: 1 << 20)
                client.receive(output)
            } catch {
                failure = error
            }
        }
        #expect(failure == .flood(.serverResets))
        var output = ByteBuffer()
        _ = try? server.collectOutput(into: &output, maxBytes: 1 << 20)
        client.receive(output)
        #expect(client.goAwayErrorCode == HTTP2ErrorCode.enhanceYourCalm)
        #expect(client.responses.values.contains { $0.resetCode == HTTP2ErrorCode.flowControlError })
    }

    /// CVE-2019-9518: empty DATA frames without END_STREAM.
    @Test func emptyDataFrameFloodSendsEnhanceYourCalm() throws {
        let settings = HTTP2SessionSettings(emptyDataFrameRateBurst: 5, emptyDataFrameRatePerSecond: 0)
        let server = try HTTP2ServerSession(settings: settings)
        let client = InMemoryHTTP2Client()
        client.emptyDataFrames = 20
        client.request(method: "POST", path: "/publish", body: [1, 2, 3])
        let failure = pumpExpectingFailure(client, server)
        #expect(failure == .flood(.emptyDataFrames))
        #expect(client.goAwayErrorCode == HTTP2ErrorCode.enhanceYourCalm)
    }

    /// RFC 9113 §5.5: unknown frame types are ignored, and a few must not hurt.
    @Test func fewUnknownFramesAreIgnored() throws {
        let (server, client) = try connected(HTTP2SessionSettings(ignoredFrameRateBurst: 5, ignoredFrameRatePerSecond: 0))
        var wire = ByteBuffer()
        for _ in 0..<3 {
            wire.writeInteger(UInt8(0)); wire.writeInteger(UInt16(4))
            wire.writeInteger(UInt8(0xfe)); wire.writeInteger(UInt8(0))
            wire.writeInteger(UInt32(0)); wire.writeInteger(UInt32(0))
        }
        try server.receive(wire)
        let id = client.request(path: "/events")
        try pump(client, server)
        let streamID = try #require(server.takeEvents().requests.first?.0)
        server.respond(to: streamID, status: 204, headers: [], body: .empty)
        try pump(client, server)
        #expect(client.response(id).status == 204)
        #expect(client.goAwayCount == 0)
    }

    @Test func unknownFrameFloodSendsEnhanceYourCalm() throws {
        let (server, client) = try connected(HTTP2SessionSettings(ignoredFrameRateBurst: 5, ignoredFrameRatePerSecond: 0))
        var wire = ByteBuffer()
        for _ in 0..<20 {
            // Frame type 0xfe, 4-byte payload, stream 0: RFC 9113 §5.5 says ignore it, so nghttp2 does.
            wire.writeInteger(UInt8(0)); wire.writeInteger(UInt16(4))
            wire.writeInteger(UInt8(0xfe)); wire.writeInteger(UInt8(0))
            wire.writeInteger(UInt32(0)); wire.writeInteger(UInt32(0))
        }
        #expect(throws: HTTP2ConnectionError.flood(.ignoredFrames)) {
            try server.receive(wire)
        }
        try deliverOutput(of: server, to: client)
        #expect(client.goAwayErrorCode == HTTP2ErrorCode.enhanceYourCalm)
    }

    /// CVE-2019-9512: PINGs each cost an ACK. Counted as they arrive, so the limit holds however many of
    /// them one socket read carries (nghttp2's queued-ACK limit alone trips only once the socket stops
    /// taking the ACKs). A few are answered; the client's own SETTINGS counts too.
    @Test func fewPingsAreAnsweredAndAFloodSendsEnhanceYourCalm() throws {
        let (server, client) = try connected(HTTP2SessionSettings(acknowledgedFrameRateBurst: 5, acknowledgedFrameRatePerSecond: 0))
        let ping = RawFrame.frame(type: 0x6, flags: 0, stream: 0, payload: [UInt8](repeating: 7, count: 8))
        try server.receive(ping + ping + ping)
        try deliverOutput(of: server, to: client)
        #expect(client.goAwayCount == 0)
        var flood = ByteBuffer()
        for _ in 0..<20 { flood = flood + ping }
        #expect(throws: HTTP2ConnectionError.flood(.acknowledgedFrames)) {
            try server.receive(flood)
        }
        try deliverOutput(of: server, to: client)
        #expect(client.goAwayErrorCode == HTTP2ErrorCode.enhanceYourCalm)
    }

    /// A server with `settings` and a client that has exchanged the preface and SETTINGS with it.
    private func connected(_ settings: HTTP2SessionSettings) throws -> (HTTP2ServerSession, InMemoryHTTP2Client) {
        let server = try HTTP2ServerSession(settings: settings)
        let client = InMemoryHTTP2Client()
        try pump(client, server)
        return (server, client)
    }

    /// Hands what the server has to send (after a flood: its GOAWAY) to the client.
    private func deliverOutput(of server: HTTP2ServerSession, to client: InMemoryHTTP2Client) throws {
        var output = ByteBuffer()
        _ = try server.collectOutput(into: &output, maxBytes: 1 << 20)
        client.receive(output)
    }

    /// CVE-2019-9515: SETTINGS frames each cost an ACK too, and share the PING bucket.
    @Test func settingsFloodSendsEnhanceYourCalm() throws {
        let (server, client) = try connected(HTTP2SessionSettings(acknowledgedFrameRateBurst: 5, acknowledgedFrameRatePerSecond: 0))
        var flood = ByteBuffer()
        for _ in 0..<20 { flood = flood + RawFrame.frame(type: 0x4, flags: 0, stream: 0, payload: []) }
        #expect(throws: HTTP2ConnectionError.flood(.acknowledgedFrames)) {
            try server.receive(flood)
        }
        try deliverOutput(of: server, to: client)
        #expect(client.goAwayErrorCode == HTTP2ErrorCode.enhanceYourCalm)
    }

    /// While closed streams are retained nghttp2 runs the RFC 7540 scheme and would drop PRIORITY_UPDATE
    /// (RFC 9218 §7.1) uncounted; it is claimed as an extension so each one costs a token.
    @Test func priorityUpdateFloodSendsEnhanceYourCalm() throws {
        let (server, client) = try connected(HTTP2SessionSettings(ignoredFrameRateBurst: 5, ignoredFrameRatePerSecond: 0))
        var wire = ByteBuffer()
        for _ in 0..<20 {
            // PRIORITY_UPDATE (0x10) on stream 0: prioritized stream id 1, field value "u=1".
            wire = wire + RawFrame.frame(type: 0x10, flags: 0, stream: 0, payload: [0, 0, 0, 1] + Array("u=1".utf8))
        }
        #expect(throws: HTTP2ConnectionError.flood(.ignoredFrames)) {
            try server.receive(wire)
        }
        try deliverOutput(of: server, to: client)
        #expect(client.goAwayErrorCode == HTTP2ErrorCode.enhanceYourCalm)
    }

    @Test func priorityFrameFloodSendsEnhanceYourCalm() throws {
        let settings = HTTP2SessionSettings(ignoredFrameRateBurst: 5, ignoredFrameRatePerSecond: 0)
        let server = try HTTP2ServerSession(settings: settings)
        let client = InMemoryHTTP2Client()
        // PRIORITY frames are deprecated (RFC 9113 §5.3.2) and cost the peer nothing: each one is counted.
        for stream in stride(from: Int32(101), to: 141, by: 2) {
            client.sendPriority(stream)
        }
        let failure = pumpExpectingFailure(client, server)
        #expect(failure == .flood(.ignoredFrames))
        #expect(client.goAwayErrorCode == HTTP2ErrorCode.enhanceYourCalm)
    }
}
