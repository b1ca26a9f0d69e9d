/// Limits and advertised SETTINGS for one HTTP/2 server connection: the config's `http2:` section decodes
/// straight into this.
///
/// The flood limits are token buckets (`burst` tokens, refilled at `…PerSecond`); when one runs dry the
/// session sends GOAWAY(ENHANCE_YOUR_CALM) and fails with `HTTP2ConnectionError`. They stand in for the
/// "glitch" limiter nghttp2 added only in 1.67 (CVE-2025-8671 MadeYouReset, CVE-2019-9518 empty frames).
public struct HTTP2SessionSettings: Sendable, Equatable {
    /// SETTINGS_MAX_CONCURRENT_STREAMS we advertise (RFC 9113 §6.5.2); nghttp2 refuses streams beyond it.
    public var maxConcurrentStreams: Int
    /// SETTINGS_INITIAL_WINDOW_SIZE we advertise: how much request body a client may send unacknowledged.
    public var initialWindowSize: Int
    /// SETTINGS_MAX_HEADER_LIST_SIZE we advertise and enforce (name + value + 32 per field, §6.5.2).
    public var maxHeaderListSize: Int
    /// Most header fields (pseudo-headers, trailers and ignored invalid fields included) per request.
    public var maxHeaderCount: Int
    /// Incoming RST_STREAM bucket size (Rapid Reset, CVE-2023-44487); enforced inside nghttp2.
    public var resetRateBurst: Int
    /// Incoming RST_STREAM refill rate per second; enforced inside nghttp2.
    public var resetRatePerSecond: Int
    /// CONTINUATION frames allowed after one HEADERS (CVE-2024-28182). Above nghttp2's 8 because the
    /// Debian backport counts re-entries, not frames.
    public var maxContinuations: Int
    /// Largest request body accepted; beyond it the request is delivered with `.bodyTooLarge`.
    public var maxRequestBodyBytes: Int
    /// Bucket size for RST_STREAMs the server sends plus invalid frames received (MadeYouReset).
    /// A reset provoked by an invalid frame costs two tokens: one for the frame, one for the reset.
    public var serverResetRateBurst: Int
    /// Refill rate per second of the server-reset bucket.
    public var serverResetRatePerSecond: Int
    /// Bucket size for empty DATA frames without END_STREAM (CVE-2019-9518).
    public var emptyDataFrameRateBurst: Int
    /// Refill rate per second of the empty-DATA bucket.
    public var emptyDataFrameRatePerSecond: Int
    /// Bucket size for frames that cost us parsing and the peer nothing: PRIORITY (deprecated by RFC 9113
    /// §5.3.2; nghttp2 keeps its dependency tree only while closed streams are retained), PRIORITY_UPDATE
    /// in that mode, and frame types outside RFC 9113 (extensions we do not enable; §5.5 says to ignore them).
    public var ignoredFrameRateBurst: Int
    /// Refill rate per second of the ignored-frame bucket.
    public var ignoredFrameRatePerSecond: Int
    /// Bucket size for PING and SETTINGS frames (not their ACKs), each of which we must answer with an ACK
    /// (CVE-2019-9512 ping flood, CVE-2019-9515 settings flood). nghttp2 ends a connection with more than
    /// 1,000 ACKs queued, but ACKs only queue once the socket stops taking them, so how soon that limit
    /// trips depended on how many frames one socket read carried; this bucket counts them as they arrive.
    /// A browser sends one SETTINGS and rarely a PING.
    public var acknowledgedFrameRateBurst: Int
    /// Refill rate per second of the PING/SETTINGS bucket.
    public var acknowledgedFrameRatePerSecond: Int
    /// A connection with no open stream is closed after this long (enforced by the connection handler,
    /// which owns the timers; kept here so the `http2:` section is one type).
    public var idleTimeout: Duration
    /// Keep up to `maxConcurrentStreams` closed streams per connection so frames on them get STREAM_CLOSED
    /// (RFC 9113 §5.1) instead of silence. Costs one nghttp2 stream (~250 B) per retained closed stream and
    /// turns on nghttp2's RFC 7540 priority scheme; see HTTP2ServerSession+ClosedStreams.swift. Default: true.
    public var retainsClosedStreams: Bool

    public init(
        maxConcurrentStreams: Int = 100,
        initialWindowSize: Int = 65535,
        maxHeaderListSize: Int = 16384,
        maxHeaderCount: Int = 100,
        resetRateBurst: Int = 200,
        resetRatePerSecond: Int = 33,
        maxContinuations: Int = 32,
        maxRequestBodyBytes: Int = 65536,
        serverResetRateBurst: Int = 200,
        serverResetRatePerSecond: Int = 33,
        emptyDataFrameRateBurst: Int = 100,
        emptyDataFrameRatePerSecond: Int = 10,
        ignoredFrameRateBurst: Int = 100,
        ignoredFrameRatePerSecond: Int = 10,
        acknowledgedFrameRateBurst: Int = 100,
        acknowledgedFrameRatePerSecond: Int = 10,
        idleTimeout: Duration = .seconds(60),
        retainsClosedStreams: Bool = true
    ) {
        self.maxConcurrentStreams = maxConcurrentStreams
        self.initialWindowSize = initialWindowSize
        self.maxHeaderListSize = maxHeaderListSize
        self.maxHeaderCount = maxHeaderCount
        self.resetRateBurst = resetRateBurst
        self.resetRatePerSecond = resetRatePerSecond
        self.maxContinuations = maxContinuations
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.serverResetRateBurst = serverResetRateBurst
        self.serverResetRatePerSecond = serverResetRatePerSecond
        self.emptyDataFrameRateBurst = emptyDataFrameRateBurst
        self.emptyDataFrameRatePerSecond = emptyDataFrameRatePerSecond
        self.ignoredFrameRateBurst = ignoredFrameRateBurst
        self.ignoredFrameRatePerSecond = ignoredFrameRatePerSecond
        self.acknowledgedFrameRateBurst = acknowledgedFrameRateBurst
        self.acknowledgedFrameRatePerSecond = acknowledgedFrameRatePerSecond
        self.idleTimeout = idleTimeout
        self.retainsClosedStreams = retainsClosedStreams
    }
}
