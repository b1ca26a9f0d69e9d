import CNGHTTP2
import NIOCore

/// An nghttp2 client session pumped in memory against the server session: records what the server sent.
final class InMemoryHTTP2Client {
    struct Response {
        var status: Int?
        var headers: [(name: String, value: String)] = []
        var body: [UInt8] = []
        /// DATA payload sizes in arrival order (one entry per DATA frame with payload).
        var dataFrames: [Int] = []
        var endStream = false
        var resetCode: UInt32?
        var closed = false

        func header(_ name: String) -> String? {
            self.headers.first { $0.name == name }?.value
        }
    }

    private let session: OpaquePointer
    private var requestBodies: [Int32: [UInt8]] = [:]
    /// Streams whose received DATA is not acknowledged (no WINDOW_UPDATE), to stall them.
    var stalledStreams: Set<Int32> = []
    private let autoWindowUpdate: Bool
    private(set) var responses: [Int32: Response] = [:]
    private(set) var goAwayErrorCode: UInt32?
    private(set) var goAwayLastStreamID: Int32?
    private(set) var goAwayCount = 0
    /// Empty DATA frames the next request body starts with.
    var emptyDataFrames = 0

    init(settings: [(id: nghttp2_settings_id, value: UInt32)] = [], autoWindowUpdate: Bool = true) {
        self.autoWindowUpdate = autoWindowUpdate
        var callbacks: OpaquePointer?
        nghttp2_session_callbacks_new(&callbacks)
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_header_callback(callbacks, clientHeaderThunk)
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, clientFrameThunk)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, clientDataThunk)
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, clientCloseThunk)
        var options: OpaquePointer?
        nghttp2_option_new(&options)
        defer { nghttp2_option_del(options) }
        if !autoWindowUpdate {
            nghttp2_option_set_no_auto_window_update(options, 1)
        }
        var session: OpaquePointer?
        nghttp2_session_client_new2(&session, callbacks, nil, options)
        self.session = session!
        nghttp2_session_set_user_data(self.session, Unmanaged.passUnretained(self).toOpaque())
        let entries = settings.map { nghttp2_settings_entry(settings_id: Int32($0.id.rawValue), value: $0.value) }
        _ = entries.withUnsafeBufferPointer {
            nghttp2_submit_settings(self.session, UInt8(NGHTTP2_FLAG_NONE.rawValue), $0.baseAddress, $0.count)
        }
    }

    deinit {
        nghttp2_session_del(self.session)
    }

    /// Submits a request; returns its stream id.
    @discardableResult
    func request(
        method: String = "GET",
        path: String = "/",
        authority: String = "example.test",
        headers: [(String, String)] = [],
        body: [UInt8]? = nil
    ) -> Int32 {
        let fields = [(":method", method), (":scheme", "https"), (":authority", authority), (":path", path)] + headers
        let strings = fields.map { (Array($0.0.utf8), Array($0.1.utf8)) }
        var provider = nghttp2_data_provider(source: nghttp2_data_source(ptr: nil), read_callback: clientBodyThunk)
        return withNameValues(strings) { nva in
            let id: Int32
            if body != nil {
                id = nghttp2_submit_request(self.session, nil, nva.baseAddress, nva.count, &provider, nil)
            } else {
                id = nghttp2_submit_request(self.session, nil, nva.baseAddress, nva.count, nil, nil)
            }
            if id > 0, let body { self.requestBodies[id] = body }
            return id
        }
    }

    func reset(_ streamID: Int32, errorCode: UInt32 = 8) {
        _ = nghttp2_submit_rst_stream(self.session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, errorCode)
    }

    func goAway() {
        _ = nghttp2_submit_goaway(self.session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, 0, nil, 0)
    }

    /// A PRIORITY frame (RFC 9113 §6.3, deprecated) for `streamID`.
    func sendPriority(_ streamID: Int32) {
        var spec = nghttp2_priority_spec()
        nghttp2_priority_spec_init(&spec, 0, 16, 0)
        _ = nghttp2_submit_priority(self.session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, &spec)
    }

    /// Everything the client session wants to send now.
    func send() -> [UInt8] {
        var out: [UInt8] = []
        while true {
            var data: UnsafePointer<UInt8>?
            let n = nghttp2_session_mem_send(self.session, &data)
            guard n > 0, let data else { break }
            out.append(contentsOf: UnsafeBufferPointer(start: data, count: n))
        }
        return out
    }

    func receive(_ bytes: ByteBuffer) {
        bytes.withUnsafeReadableBytes { raw in
            guard let base = raw.baseAddress, raw.count > 0 else { return }
            let rv = nghttp2_session_mem_recv(self.session, base.assumingMemoryBound(to: UInt8.self), raw.count)
            precondition(rv == raw.count, "client mem_recv failed: \(rv)")
        }
    }

    func response(_ streamID: Int32) -> Response { self.responses[streamID] ?? Response() }

    // MARK: callbacks

    fileprivate func header(_ frame: UnsafePointer<nghttp2_frame>, _ name: String, _ value: String) {
        let id = frame.pointee.hd.stream_id
        if name == ":status" {
            self.responses[id, default: Response()].status = Int(value)
        } else {
            self.responses[id, default: Response()].headers.append((name: name, value: value))
        }
    }

    fileprivate func frame(_ frame: UnsafePointer<nghttp2_frame>) {
        let id = frame.pointee.hd.stream_id
        let endStream = frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
        switch UInt32(frame.pointee.hd.type) {
        case NGHTTP2_HEADERS.rawValue, NGHTTP2_DATA.rawValue:
            if UInt32(frame.pointee.hd.type) == NGHTTP2_DATA.rawValue, frame.pointee.hd.length > 0 {
                self.responses[id, default: Response()].dataFrames.append(frame.pointee.hd.length)
            }
            if endStream { self.responses[id, default: Response()].endStream = true }
        case NGHTTP2_RST_STREAM.rawValue:
            self.responses[id, default: Response()].resetCode = frame.pointee.rst_stream.error_code
        case NGHTTP2_GOAWAY.rawValue:
            self.goAwayErrorCode = frame.pointee.goaway.error_code
            self.goAwayLastStreamID = frame.pointee.goaway.last_stream_id
            self.goAwayCount += 1
        default:
            break
        }
    }

    fileprivate func data(_ streamID: Int32, _ bytes: UnsafeBufferPointer<UInt8>) {
        self.responses[streamID, default: Response()].body.append(contentsOf: bytes)
        if !self.autoWindowUpdate {
            if self.stalledStreams.contains(streamID) {
                // Keep the connection window open; only this stream's window stays shut.
                nghttp2_session_consume_connection(self.session, bytes.count)
            } else {
                nghttp2_session_consume(self.session, streamID, bytes.count)
            }
        }
    }

    fileprivate func closed(_ streamID: Int32) {
        self.responses[streamID, default: Response()].closed = true
    }

    fileprivate func readBody(_ streamID: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ length: Int,
                              _ flags: UnsafeMutablePointer<UInt32>) -> Int {
        if self.emptyDataFrames > 0 {
            // An empty DATA frame without END_STREAM (the CVE-2019-9518 pattern).
            self.emptyDataFrames -= 1
            return 0
        }
        var remaining = self.requestBodies[streamID] ?? []
        let n = min(length, remaining.count)
        if n > 0 {
            remaining.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: n) }
            remaining.removeFirst(n)
        }
        self.requestBodies[streamID] = remaining
        if remaining.isEmpty { flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue }
        return n
    }

    fileprivate static func from(_ p: UnsafeMutableRawPointer?) -> InMemoryHTTP2Client {
        Unmanaged<InMemoryHTTP2Client>.fromOpaque(p!).takeUnretainedValue()
    }
}

private func withNameValues<R>(_ fields: [([UInt8], [UInt8])], _ body: (UnsafeMutableBufferPointer<nghttp2_nv>) -> R) -> R {
    let pointers = fields.map { field -> (UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt8>) in
        let name = UnsafeMutablePointer<UInt8>.allocate(capacity: max(field.0.count, 1))
        name.initialize(from: field.0, count: field.0.count)
        let value = UnsafeMutablePointer<UInt8>.allocate(capacity: max(field.1.count, 1))
        value.initialize(from: field.1, count: field.1.count)
        return (name, value)
    }
    defer { pointers.forEach { $0.0.deallocate(); $0.1.deallocate() } }
    var nva = zip(fields, pointers).map { field, p in
        nghttp2_nv(name: p.0, value: p.1, namelen: field.0.count, valuelen: field.1.count,
                   flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
    }
    return nva.withUnsafeMutableBufferPointer { body($0) }
}

private func clientHeaderThunk(
    _ s: OpaquePointer?, _ frame: UnsafePointer<nghttp2_frame>?, _ name: UnsafePointer<UInt8>?, _ nameLength: Int,
    _ value: UnsafePointer<UInt8>?, _ valueLength: Int, _ flags: UInt8, _ user: UnsafeMutableRawPointer?
) -> Int32 {
    InMemoryHTTP2Client.from(user).header(
        frame!,
        String(decoding: UnsafeBufferPointer(start: name, count: nameLength), as: UTF8.self),
        String(decoding: UnsafeBufferPointer(start: value, count: valueLength), as: UTF8.self))
    return 0
}

private func clientFrameThunk(_ s: OpaquePointer?, _ frame: UnsafePointer<nghttp2_frame>?, _ user: UnsafeMutableRawPointer?) -> Int32 {
    InMemoryHTTP2Client.from(user).frame(frame!)
    return 0
}

private func clientDataThunk(
    _ s: OpaquePointer?, _ flags: UInt8, _ id: Int32, _ data: UnsafePointer<UInt8>?, _ length: Int,
    _ user: UnsafeMutableRawPointer?
) -> Int32 {
    InMemoryHTTP2Client.from(user).data(id, UnsafeBufferPointer(start: data, count: length))
    return 0
}

private func clientCloseThunk(_ s: OpaquePointer?, _ id: Int32, _ code: UInt32, _ user: UnsafeMutableRawPointer?) -> Int32 {
    InMemoryHTTP2Client.from(user).closed(id)
    return 0
}

private func clientBodyThunk(
    _ s: OpaquePointer?, _ id: Int32, _ buffer: UnsafeMutablePointer<UInt8>?, _ length: Int,
    _ flags: UnsafeMutablePointer<UInt32>?, _ source: UnsafeMutablePointer<nghttp2_data_source>?,
    _ user: UnsafeMutableRawPointer?
) -> Int {
    InMemoryHTTP2Client.from(user).readBody(id, buffer!, length, flags!)
}
