import NIOCore

/// What an HTTP/2 client connection advertises. Defaults suit a fast reader of many long-lived streams.
public struct HTTP2ClientSettings: Sendable {
    /// SETTINGS_INITIAL_WINDOW_SIZE: how much body each stream may receive unacknowledged (16 MiB).
    public var initialWindowSize: Int
    /// The connection receive window, raised from 65,535 with a WINDOW_UPDATE on stream 0 (1 GiB).
    public var connectionWindowSize: Int
    /// SETTINGS_MAX_CONCURRENT_STREAMS: streams the server may open towards us (push is disabled anyway).
    public var maxConcurrentStreams: Int
    /// SETTINGS_MAX_HEADER_LIST_SIZE we advertise for responses (64 KiB).
    public var maxHeaderListSize: Int

    public init(
        initialWindowSize: Int = 16 << 20,
        connectionWindowSize: Int = 1 << 30,
        maxConcurrentStreams: Int = 1000,
        maxHeaderListSize: Int = 65536
    ) {
        self.initialWindowSize = initialWindowSize
        self.connectionWindowSize = connectionWindowSize
        self.maxConcurrentStreams = maxConcurrentStreams
        self.maxHeaderListSize = maxHeaderListSize
    }
}

/// What the client session saw. Callbacks only record these; read them with `takeEvents()`.
public enum HTTP2ClientEvent: Sendable {
    /// The final (non-1xx) response HEADERS of a stream we opened.
    case response(HTTP2StreamID, status: Int, headers: [(name: String, value: String)])
    /// Body bytes as they arrive, one event per DATA frame payload.
    case data(HTTP2StreamID, ByteBuffer)
    /// The stream is gone: 0 after END_STREAM both ways, otherwise the RST_STREAM (or GOAWAY) code.
    case streamClosed(HTTP2StreamID, errorCode: UInt32)
    /// The server sent GOAWAY: streams above `lastStreamID` were never processed (RFC 9113 §6.8).
    case goAwayReceived(lastStreamID: Int32, errorCode: UInt32)
}
