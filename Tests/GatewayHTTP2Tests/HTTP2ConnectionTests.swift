import CNGHTTP2
import NIOCore
import Testing
@testable import GatewayHTTP2

@Suite struct HTTP2ConnectionTests {
    @Test func garbageInsteadOfThePrefaceFails() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        #expect(throws: HTTP2ConnectionError.badClientMagic) {
            try server.receive(bytes("GET / HTTP/1.1\r\nHost: example.test\r\n\r\n"))
        }
        let error = HTTP2ConnectionError.badClientMagic
        #expect(error.libraryErrorCode == -903)
        #expect(!error.isFlood)
    }

    @Test func libraryErrorsCarryTheirText() {
        let error = HTTP2ConnectionError(libraryCode: -505)  // NGHTTP2_ERR_PROTO
        #expect(error.libraryErrorCode == -505)
        #expect(error.description.contains("Protocol error"))
        #expect(HTTP2ConnectionError(libraryCode: -904) == .flood(.library))
        #expect(HTTP2ConnectionError(libraryCode: -905) == .tooManyContinuations)
    }

    /// SETTINGS_NO_RFC7540_PRIORITIES = 1 (0x9) only when closed streams are not retained: sending it makes
    /// nghttp2 free streams as they close (HTTP2ServerSession+ClosedStreams.swift).
    @Test(arguments: [true, false])
    func serverSendsItsSettingsFirst(retainsClosedStreams: Bool) throws {
        let settings = HTTP2SessionSettings(
            maxConcurrentStreams: 7, initialWindowSize: 1234, maxHeaderListSize: 9999,
            retainsClosedStreams: retainsClosedStreams)
        let server = try HTTP2ServerSession(settings: settings)
        var output = ByteBuffer()
        _ = try server.collectOutput(into: &output, maxBytes: 1 << 16)
        let first = try #require(frameHeaders(in: output).first)
        #expect(first.type == 0x4 && first.streamID == 0)
        #expect(first.length == (retainsClosedStreams ? 4 : 5) * 6)  // six bytes per setting
        output = output.getSlice(at: output.readerIndex, length: 9 + first.length) ?? ByteBuffer()
        // SETTINGS payload: repeated (Identifier (16), Value (32)), RFC 9113 §6.5.1.
        output.moveReaderIndex(forwardBy: 9)
        var advertised: [UInt16: UInt32] = [:]
        while output.readableBytes >= 6, let id = output.readInteger(as: UInt16.self),
            let value = output.readInteger(as: UInt32.self)
        {
            advertised[id] = value
        }
        let expected: [UInt16: UInt32] = [0x3: 7, 0x4: 1234, 0x6: 9999, 0x1: 4096]
        #expect(advertised == (retainsClosedStreams ? expected : expected.merging([0x9: 1]) { $1 }))
    }

    @Test func eachSettingArrives() {
        let settings = HTTP2SessionSettings(
            maxConcurrentStreams: 1, initialWindowSize: 2, maxHeaderListSize: 3, maxHeaderCount: 4,
            resetRateBurst: 5, resetRatePerSecond: 6, maxContinuations: 7, maxRequestBodyBytes: 8,
            serverResetRateBurst: 9, serverResetRatePerSecond: 10, emptyDataFrameRateBurst: 11,
            emptyDataFrameRatePerSecond: 12, ignoredFrameRateBurst: 13, ignoredFrameRatePerSecond: 14,
            retainsClosedStreams: false)
        let values = [
            settings.maxConcurrentStreams, settings.initialWindowSize, settings.maxHeaderListSize,
            settings.maxHeaderCount, settings.resetRateBurst, settings.resetRatePerSecond,
            settings.maxContinuations, settings.maxRequestBodyBytes, settings.serverResetRateBurst,
            settings.serverResetRatePerSecond, settings.emptyDataFrameRateBurst,
            settings.emptyDataFrameRatePerSecond, settings.ignoredFrameRateBurst,
            settings.ignoredFrameRatePerSecond,
        ]
        #expect(values == Array(1...14))
        #expect(!settings.retainsClosedStreams)
        #expect(HTTP2SessionSettings().retainsClosedStreams)
    }

    @Test func gracefulShutdownThenGoAway() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = InMemoryHTTP2Client()
        let id = client.request(path: "/events")
        try pump(client, server)
        _ = server.takeEvents()

        server.beginGracefulShutdown()
        try pump(client, server)
        #expect(client.goAwayCount == 1)
        #expect(client.goAwayLastStreamID == Int32.max)
        #expect(client.goAwayErrorCode == HTTP2ErrorCode.noError)

        server.goAway(errorCode: HTTP2ErrorCode.noError)
        try pump(client, server)
        #expect(client.goAwayCount == 2)
        #expect(client.goAwayLastStreamID == id)
    }

    @Test func goAwayFromTheClientIsAnEvent() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = InMemoryHTTP2Client()
        client.request(path: "/events")
        try pump(client, server)
        _ = server.takeEvents()
        client.goAway()
        try pump(client, server)
        let events = server.takeEvents()
        #expect(events.contains { if case .goAwayReceived = $0 { return true } else { return false } })
    }
}
