internal import CNGHTTP2
import GatewayLiveObjects
import NIOCore

/// The server side of one HTTP/2 connection, on top of nghttp2: bytes in, bytes out, events out.
///
/// Maintainer note. nghttp2 runs the protocol; this class adds what an SSE gateway needs around it:
/// - Callbacks only record. Every nghttp2 callback lands in a method that updates stream state or appends
///   an `HTTP2SessionEvent`; the caller reads events with `takeEvents()` after `receive`/`collectOutput`
///   returned, so it may call back into the session (respond, enqueue, reset) without re-entering nghttp2.
/// - Output is pulled, not pushed: `collectOutput` drains `nghttp2_session_mem_send` into one buffer, so the
///   frames of many streams leave in one TLS write (DESIGN.md "HTTP/2 with nghttp2"). DATA frames of 4 KiB
///   or more are written into that buffer by `sendData` (NGHTTP2_DATA_FLAG_NO_COPY), straight from the
///   queued event bytes.
/// - Streaming bodies are data providers over a per-stream queue of shared ByteBuffers. The read that
///   drains the queue ends the provider (EOF without END_STREAM) and `enqueue` submits the next one
///   (`HTTP2OutboundQueue` explains why that beats parking an idle provider).
/// - Limits nghttp2 1.52 lacks are enforced here: header list size and count, request body size, and
///   token buckets for server-sent resets, empty DATA frames and ignored (PRIORITY, unknown) frames (research §1.3 B, D, F).
///
/// Not Sendable: confine an instance to the event loop of its connection.
public final class HTTP2ServerSession {
    /// The nghttp2 session, owned here and freed in deinit. Its user data is an unretained pointer to self.
    let session: OpaquePointer
    /// nghttp2's allocator; outlives `session` (stored properties are released after deinit's body).
    let memory = FrameBufferMemory()
    let settings: HTTP2SessionSettings
    var streams = HTTP2StreamTable()
    /// Requests still arriving (HEADERS/DATA before END_STREAM), by stream id.
    var pendingRequests: [Int32: PendingRequest] = [:]
    /// Attachments of streams nghttp2 has closed, until the caller takes them with `detachAttachment`
    /// (it learns of the close from `.streamClosed`, after the stream's entry is gone). Empty between events.
    var closedAttachments: [Int32: AnyObject] = [:]
    var events: [HTTP2SessionEvent] = []
    /// GOAWAY and RST_STREAM frames since the last `takeControlFrames()`.
    var controlFrames: [HTTP2ControlFrame] = []
    var serverResetLimiter: FloodLimiter
    var emptyDataFrameLimiter: FloodLimiter
    var ignoredFrameLimiter: FloodLimiter
    var acknowledgedFrameLimiter: FloodLimiter
    /// The highest stream id a request arrived on (RFC 9113 §5.1.1: new ids only go up).
    var highestRequestStreamID: Int32 = 0
    /// Set once a flood limit trips; the connection is finished from then on.
    var floodError: HTTP2ConnectionError?
    /// Monotonic nanoseconds, injectable so tests can drive the flood limiters' refill.
    let now: () -> UInt64
    /// `nghttp2_session_mem_send` last returned 0: no frame sits in the frame buffer.
    var outputDrained = true
    /// Frames were packed since the last `releaseFrameBufferIfQuiet()`.
    var sentSinceQuietCheck = false
    /// The output of the running `collectOutput`, where `sendData` writes NO_COPY DATA frames; nil outside it.
    var outputTarget: UnsafeMutablePointer<ByteBuffer>?
    /// Writer index at which `sendData` pauses mem_send (`collectOutput`'s start + maxBytes).
    var outputLimit = 0
    /// `sendData` paused mem_send at `outputLimit`: its 0 means "stopped", not "nothing left".
    var outputPaused = false

    /// Creates the session and queues our SETTINGS (RFC 9113 §3.4: the server preface is a SETTINGS frame).
    public convenience init(settings: HTTP2SessionSettings) throws(HTTP2ConnectionError) {
        try self.init(settings: settings, now: { NIODeadline.now().uptimeNanoseconds })
    }

    init(settings: HTTP2SessionSettings, now: @escaping () -> UInt64) throws(HTTP2ConnectionError) {
        self.session = try Self.makeSession(settings, memory: self.memory)
        self.settings = settings
        self.now = now
        let start = now()
        self.serverResetLimiter = FloodLimiter(
            burst: settings.serverResetRateBurst, ratePerSecond: settings.serverResetRatePerSecond, now: start)
        self.emptyDataFrameLimiter = FloodLimiter(
            burst: settings.emptyDataFrameRateBurst, ratePerSecond: settings.emptyDataFrameRatePerSecond, now: start)
        self.ignoredFrameLimiter = FloodLimiter(
            burst: settings.ignoredFrameRateBurst, ratePerSecond: settings.ignoredFrameRatePerSecond, now: start)
        self.acknowledgedFrameLimiter = FloodLimiter(
            burst: settings.acknowledgedFrameRateBurst, ratePerSecond: settings.acknowledgedFrameRatePerSecond, now: start)
        nghttp2_session_set_user_data(self.session, Unmanaged.passUnretained(self).toOpaque())
        LiveObjects.http2ServerSessions.created()  // before the throw below: a throw from here on runs deinit
        try self.submitSettings()
    }

    deinit {
        nghttp2_session_del(self.session)
        LiveObjects.http2ServerSessions.destroyed()
    }

    /// Feeds received bytes to nghttp2 (`nghttp2_session_mem_recv`). A throw means the connection is over:
    /// collect and write the remaining output (it may hold a GOAWAY), then close.
    public func receive(_ bytes: ByteBuffer) throws(HTTP2ConnectionError) {
        if let floodError = self.floodError {
            throw floodError
        }
        let result = NGHTTP2SessionSetup.receive(self.session, bytes)
        // Our own flood verdict wins over the CALLBACK_FAILURE it was reported through.
        if let floodError = self.floodError {
            throw floodError
        }
        if result < 0 {
            throw HTTP2ConnectionError(libraryCode: result)
        }
    }

    /// Drains `nghttp2_session_mem_send` into `buffer` until nothing is pending or `buffer` has grown by at
    /// least `maxBytes`, and returns the number of bytes appended.
    ///
    /// If a flood limit trips while sending (too many RST_STREAMs from us), the GOAWAY is drained regardless
    /// of `maxBytes` and then the error is thrown; `buffer` keeps everything appended, GOAWAY included:
    /// write it, then close.
    public func collectOutput(into buffer: inout ByteBuffer, maxBytes: Int) throws(HTTP2ConnectionError) -> Int {
        let alreadyFailed = self.floodError != nil
        let start = buffer.writerIndex
        self.outputLimit = start + maxBytes
        defer { self.outputTarget = nil }
        // Large DATA frames are written into `buffer` by `sendData` from inside mem_send (see
        // HTTP2ServerSession+NoCopyData.swift); everything else comes back from mem_send and is appended here.
        try withUnsafeMutablePointer(to: &buffer) { output throws(HTTP2ConnectionError) in
            self.outputTarget = output
            while output.pointee.writerIndex - start < maxBytes || (!alreadyFailed && self.floodError != nil) {
                var data: UnsafePointer<UInt8>? = nil
                let count = nghttp2_session_mem_send(self.session, &data)
                if count < 0 {
                    throw HTTP2ConnectionError(libraryCode: count)
                }
                if self.outputPaused {
                    self.outputPaused = false
                    self.outputDrained = false
                    continue  // at the limit: the loop condition ends it, unless a GOAWAY still has to go
                }
                guard count > 0, let data else {
                    self.outputDrained = true
                    break
                }
                self.outputDrained = false
                self.sentSinceQuietCheck = true
                output.pointee.writeBytes(UnsafeRawBufferPointer(start: data, count: count))
            }
        }
        if !alreadyFailed, let floodError = self.floodError {
            throw floodError
        }
        return buffer.writerIndex - start
    }

    /// Events recorded since the last call, oldest first.
    public func takeEvents() -> [HTTP2SessionEvent] {
        var taken: [HTTP2SessionEvent] = []
        swap(&taken, &self.events)
        return taken
    }

    /// GOAWAY and RST_STREAM frames sent or received since the last call, for metrics.
    public func takeControlFrames() -> [HTTP2ControlFrame] {
        guard !self.controlFrames.isEmpty else { return [] }
        var taken: [HTTP2ControlFrame] = []
        swap(&taken, &self.controlFrames)
        return taken
    }

    /// Tells the client we are going away without refusing streams yet (RFC 9113 §6.8: a GOAWAY with the
    /// maximum stream id). Follow with `goAway(errorCode:)` once in-flight requests are accounted for.
    public func beginGracefulShutdown() {
        _ = nghttp2_submit_shutdown_notice(self.session)
    }

    /// Sends GOAWAY naming the last stream we processed; streams above it were never seen (§6.8).
    public func goAway(errorCode: UInt32) {
        let lastStreamID = nghttp2_session_get_last_proc_stream_id(self.session)
        _ = nghttp2_submit_goaway(self.session, UInt8(NGHTTP2_FLAG_NONE.rawValue), lastStreamID, errorCode, nil, 0)
    }

    /// nghttp2 still expects input. When both this and `wantsWrite` are false, close the connection.
    public var wantsRead: Bool { nghttp2_session_want_read(self.session) != 0 }

    /// nghttp2 has frames to send (or a resumable stream).
    public var wantsWrite: Bool { nghttp2_session_want_write(self.session) != 0 }

    /// Streams this session holds state for (opened by the client and not yet closed).
    public var openStreamCount: Int { self.streams.count }

    /// Runs when a limit of ours trips: remember why and queue GOAWAY(ENHANCE_YOUR_CALM) with the last
    /// processed stream id; nghttp2 stops reading and closes once it has been sent.
    func floodDetected(_ kind: HTTP2ConnectionError.FloodKind) {
        guard self.floodError == nil else {
            return
        }
        self.floodError = .flood(kind)
        _ = nghttp2_session_terminate_session(self.session, HTTP2ErrorCode.enhanceYourCalm)
    }

    private static func makeSession(
        _ settings: HTTP2SessionSettings, memory: FrameBufferMemory
    ) throws(HTTP2ConnectionError) -> OpaquePointer {
        try NGHTTP2SessionSetup.makeSession(
            configure: { Self.configureOptions($0, settings) },
            install: Self.installCallbacks,
            create: { session, callbacks, options in
                // nghttp2 copies the nghttp2_mem struct; `memory` itself must outlive the session.
                var mem = memory.nghttp2Memory
                return nghttp2_session_server_new3(session, callbacks, nil, options, &mem)
            })
    }

    private static func configureOptions(_ options: OpaquePointer, _ settings: HTTP2SessionSettings) {
        // research §1.5. HTTP messaging validation stays on; max_settings (32) and max_outbound_ack (1000)
        // keep their defaults.
        nghttp2_option_set_stream_reset_rate_limit(
            options, UInt64(max(settings.resetRateBurst, 0)), UInt64(max(settings.resetRatePerSecond, 0)))
        nghttp2_option_set_max_continuations(options, max(settings.maxContinuations, 0))
        // Closed streams stay known to nghttp2, which then answers frames on them with STREAM_CLOSED
        // (RFC 9113 §5.1); the note in HTTP2ServerSession+ClosedStreams.swift has the costs.
        nghttp2_option_set_no_closed_streams(options, settings.retainsClosedStreams ? 0 : 1)
        // No HPACK dynamic table for our responses: an SSE stream sends one header block, so indexing
        // would only save a few bytes on the next stream's HEADERS, while the table entries stay allocated
        // for the connection's life. Clients see a table size update to 0 (RFC 7541 §6.3), which every
        // decoder must accept. The client's table (SETTINGS_HEADER_TABLE_SIZE, our inflater) stays 4096:
        // browsers index cookies and user agents there, and shrinking it would make them resend those.
        nghttp2_option_set_max_deflate_dynamic_table_size(options, 0)
        // Frame types beyond RFC 9113's are ignored by nghttp2 without any callback. Claiming them as
        // "our" extension types routes them through on_begin_frame, where they are counted, and
        // on_extension_chunk_recv, where they are dropped (RFC 9113 §5.5 still holds: they change nothing).
        // PRIORITY_UPDATE (RFC 9218 §7.1) is among them while closed streams are retained: nghttp2 then runs
        // the RFC 7540 scheme and would drop it silently, uncounted.
        for type in UInt8(0x0a)...UInt8(0xff)
        where settings.retainsClosedStreams || UInt32(type) != NGHTTP2_PRIORITY_UPDATE.rawValue {
            nghttp2_option_set_user_recv_extension_type(options, type)
        }
    }

    private func submitSettings() throws(HTTP2ConnectionError) {
        var entries: [(id: nghttp2_settings_id, value: Int)] = [
            (NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, self.settings.maxConcurrentStreams),
            (NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, self.settings.initialWindowSize),
            (NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, self.settings.maxHeaderListSize),
            (NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 4096),
        ]
        if !self.settings.retainsClosedStreams {
            // RFC 9218 §2.1: we ignore RFC 7540 priorities, and say so. nghttp2 1.52 then frees every stream
            // the moment it closes, so this and closed-stream retention exclude each other.
            entries.append((NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1))
        }
        try NGHTTP2SessionSetup.submitSettings(self.session, entries)
    }
}
