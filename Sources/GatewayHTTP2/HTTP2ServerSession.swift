// TEMPORARY contract stub, replaced by the real module on merge.
import NIOCore
public struct HTTP2StreamID: Hashable, Sendable { public let rawValue: Int32; public init(rawValue: Int32) { self.rawValue = rawValue } }
public struct HTTP2Request: Sendable { public var method: String; public var path: String; public var authority: String?; public var scheme: String?; public var headers: [(name: String, value: String)]; public var body: ByteBuffer; public var problem: HTTP2RequestProblem? }
public enum HTTP2RequestProblem: Sendable, Hashable { case bodyTooLarge, headerListTooLarge }
public enum HTTP2ResponseBody { case empty; case bytes(ByteBuffer); case streaming }
public enum HTTP2SessionEvent { case request(HTTP2StreamID, HTTP2Request); case streamClosed(HTTP2StreamID, errorCode: UInt32); case goAwayReceived }
public struct HTTP2SessionSettings: Sendable { public var maxConcurrentStreams = 100, initialWindowSize = 65535, maxHeaderListSize = 16384, maxHeaderCount = 100, resetRateBurst = 200, resetRatePerSecond = 33, maxContinuations = 32, maxRequestBodyBytes = 65536; public init() {} }
public struct HTTP2ConnectionError: Error {}
public enum HTTP2ErrorCode { public static let noError: UInt32 = 0; public static let cancel: UInt32 = 8 }
public final class HTTP2ServerSession {
    public init(settings: HTTP2SessionSettings) throws(HTTP2ConnectionError) {}
    public func receive(_ bytes: ByteBuffer) throws(HTTP2ConnectionError) {}
    public func collectOutput(into buffer: inout ByteBuffer, maxBytes: Int) throws(HTTP2ConnectionError) -> Int { 0 }
    public func takeEvents() -> [HTTP2SessionEvent] { [] }
    public func respond(to: HTTP2StreamID, status: Int, headers: [(name: String, value: String)], body: HTTP2ResponseBody) {}
    @discardableResult public func enqueue(_ bytes: ByteBuffer, on: HTTP2StreamID) -> Bool { true }
    public func finishStream(_: HTTP2StreamID) {}
    public func resetStream(_: HTTP2StreamID, errorCode: UInt32) {}
    public func queuedBytes(on: HTTP2StreamID) -> Int { 0 }
    public func beginGracefulShutdown() {}
    public func goAway(errorCode: UInt32) {}
    public var wantsRead: Bool { true }; public var wantsWrite: Bool { true }
    public var openStreamCount: Int { 0 }
}
