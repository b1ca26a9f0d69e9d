internal import CNGHTTP2
import NIOCore

/// The client side of one HTTP/2 connection on top of nghttp2; the twin of `HTTP2ServerSession`, used by
/// the load client and tests.
///
/// Maintainer note. Same shape as the server session: callbacks only record, `takeEvents()` hands out what
/// they recorded, `collectOutput` pulls frames. DATA payloads of one `receive` are copied into one shared
/// buffer and handed out as slices of it, so a burst of small SSE events costs one allocation, not one per
/// frame. Flow control is nghttp2's automatic WINDOW_UPDATE: the client consumes everything at once.
///
/// Not Sendable: confine an instance to the event loop of its connection.
public final class HTTP2ClientSession {
    /// Recorded during nghttp2 calls. Data is kept as a range into `received` until `takeEvents()`.
    enum Record {
        case event(HTTP2ClientEvent)
        case data(Int32, offset: Int, length: Int)
    }

    /// Per-stream state while a request is open.
    struct Stream {
        var status: Int?
        var headers: [(name: String, value: String)] = []
        /// Remaining request body, pulled by the data provider.
        var body: ByteBuffer?
    }

    /// The nghttp2 session, owned here and freed in deinit. Its user data is an unretained pointer to self.
    let session: OpaquePointer
    let settings: HTTP2ClientSettings
    var streams: [Int32: Stream] = [:]
    var records: [Record] = []
    /// DATA payloads received since the last `takeEvents()`.
    var received = ByteBuffer()

    /// Creates the session and queues the preface: the client magic (nghttp2 writes it first), our SETTINGS
    /// and a connection WINDOW_UPDATE up to `connectionWindowSize` (RFC 9113 §3.4, §6.9.2).
    public init(settings: HTTP2ClientSettings = .init()) throws(HTTP2ConnectionError) {
        self.session = try Self.makeSession()
        self.settings = settings
        nghttp2_session_set_user_data(self.session, Unmanaged.passUnretained(self).toOpaque())
        try self.submitPreface()
    }

    deinit {
        nghttp2_session_del(self.session)
    }

    /// Feeds received bytes to nghttp2. A throw means the connection is over.
    public func receive(_ bytes: ByteBuffer) throws(HTTP2ConnectionError) {
        let result = NGHTTP2SessionSetup.receive(self.session, bytes)
        if result < 0 {
            throw HTTP2ConnectionError(libraryCode: result)
        }
    }

    /// Drains `nghttp2_session_mem_send` into `buffer` until nothing is pending or `buffer` has grown by at
    /// least `maxBytes`; returns the number of bytes appended.
    public func collectOutput(into buffer: inout ByteBuffer, maxBytes: Int) throws(HTTP2ConnectionError) -> Int {
        var appended = 0
        while appended < maxBytes {
            var data: UnsafePointer<UInt8>? = nil
            let count = nghttp2_session_mem_send(self.session, &data)
            if count < 0 {
                throw HTTP2ConnectionError(libraryCode: count)
            }
            guard count > 0, let data else {
                break
            }
            buffer.writeBytes(UnsafeRawBufferPointer(start: data, count: count))
            appended += count
        }
        return appended
    }

    /// Events recorded since the last call, oldest first. `.data` payloads are slices of one buffer.
    public func takeEvents() -> [HTTP2ClientEvent] {
        guard !self.records.isEmpty else {
            return []
        }
        var events: [HTTP2ClientEvent] = []
        events.reserveCapacity(self.records.count)
        for record in self.records {
            switch record {
            case .event(let event):
                events.append(event)
            case .data(let id, let offset, let length):
                let slice = self.received.getSlice(at: offset, length: length) ?? ByteBuffer()
                events.append(.data(HTTP2StreamID(id), slice))
            }
        }
        self.records.removeAll(keepingCapacity: true)
        // A fresh buffer next time: the slices handed out keep this one alive and unchanged.
        self.received = ByteBuffer()
        return events
    }

    /// nghttp2 still expects input. When both this and `wantsWrite` are false, close the connection.
    public var wantsRead: Bool { nghttp2_session_want_read(self.session) != 0 }

    /// nghttp2 has frames to send.
    public var wantsWrite: Bool { nghttp2_session_want_write(self.session) != 0 }

    /// Streams opened with `startRequest` and not closed yet.
    public var openStreamCount: Int { self.streams.count }

    private static func makeSession() throws(HTTP2ConnectionError) -> OpaquePointer {
        try NGHTTP2SessionSetup.makeSession(
            configure: { nghttp2_option_set_no_closed_streams($0, 1) },
            install: Self.installCallbacks,
            create: { nghttp2_session_client_new2($0, $1, nil, $2) })
    }

    private func submitPreface() throws(HTTP2ConnectionError) {
        try NGHTTP2SessionSetup.submitSettings(
            self.session,
            [
                (NGHTTP2_SETTINGS_ENABLE_PUSH, 0),
                (NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, self.settings.maxConcurrentStreams),
                (NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, self.settings.initialWindowSize),
                (NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, self.settings.maxHeaderListSize),
            ])
        let rv = nghttp2_session_set_local_window_size(
            self.session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, Int32(clamping: self.settings.connectionWindowSize))
        if rv != 0 {
            throw .setupFailed(libraryCode: Int(rv))
        }
    }
}
