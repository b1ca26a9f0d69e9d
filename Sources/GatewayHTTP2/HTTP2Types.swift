import NIOCore

/// An HTTP/2 stream identifier (RFC 9113 §5.1.1). Client-initiated request streams are odd.
public struct HTTP2StreamID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(_ rawValue: Int32) {
        self.rawValue = rawValue
    }

    public var description: String { "stream \(self.rawValue)" }
}

/// Why a request was cut short. The server answers 413 / 431 instead of routing it.
public enum HTTP2RequestProblem: Sendable, Hashable {
    /// The DATA frames exceeded `HTTP2SessionSettings.maxRequestBodyBytes`.
    case bodyTooLarge
    /// The header block exceeded `maxHeaderListSize` bytes or `maxHeaderCount` fields.
    case headerListTooLarge
}

/// A request as received on one stream.
public struct HTTP2Request: Sendable {
    /// `:method`
    public var method: String
    /// `:path`, including the query.
    public var path: String
    /// `:authority`, or `host` when `:authority` is absent (RFC 9113 §8.3.1).
    public var authority: String?
    /// `:scheme`
    public var scheme: String?
    /// Regular (non-pseudo) header fields in arrival order; HTTP/2 names are lowercase on the wire.
    public var headers: [(name: String, value: String)]
    /// The request body; empty for GET.
    public var body: ByteBuffer
    /// Set when the request was cut short; the fields above hold what arrived before the cut.
    public var problem: HTTP2RequestProblem?

    public init(
        method: String = "",
        path: String = "",
        authority: String? = nil,
        scheme: String? = nil,
        headers: [(name: String, value: String)] = [],
        body: ByteBuffer = ByteBuffer(),
        problem: HTTP2RequestProblem? = nil
    ) {
        self.method = method
        self.path = path
        self.authority = authority
        self.scheme = scheme
        self.headers = headers
        self.body = body
        self.problem = problem
    }
}

/// How a response body is produced.
public enum HTTP2ResponseBody: Sendable {
    /// No body: END_STREAM rides on the HEADERS frame.
    case empty
    /// A complete body, sent as DATA frames as flow control allows.
    case bytes(ByteBuffer)
    /// An open-ended body (SSE): bytes arrive with `enqueue`, the end with `finishStream`.
    case streaming
}

/// What the session saw. Callbacks only record these; the caller acts on them after `receive`/`collectOutput`.
public enum HTTP2SessionEvent: Sendable {
    /// A complete request (after END_STREAM), or an early one with `problem` set.
    case request(HTTP2StreamID, HTTP2Request)
    /// The stream is gone. Every stream that produced a `.request` produces exactly one of these.
    case streamClosed(HTTP2StreamID, errorCode: UInt32)
    /// The peer sent GOAWAY: it opens no new streams (RFC 9113 §6.8).
    case goAwayReceived
}

/// HTTP/2 error codes (RFC 9113 §7), as carried in RST_STREAM and GOAWAY.
public enum HTTP2ErrorCode {
    public static let noError: UInt32 = 0x0
    public static let protocolError: UInt32 = 0x1
    public static let internalError: UInt32 = 0x2
    public static let flowControlError: UInt32 = 0x3
    public static let settingsTimeout: UInt32 = 0x4
    public static let streamClosed: UInt32 = 0x5
    public static let frameSizeError: UInt32 = 0x6
    public static let refusedStream: UInt32 = 0x7
    public static let cancel: UInt32 = 0x8
    public static let compressionError: UInt32 = 0x9
    public static let connectError: UInt32 = 0xa
    public static let enhanceYourCalm: UInt32 = 0xb
    public static let inadequateSecurity: UInt32 = 0xc
    public static let http11Required: UInt32 = 0xd
}
