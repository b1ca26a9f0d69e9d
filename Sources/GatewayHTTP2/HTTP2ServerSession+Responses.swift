internal import CNGHTTP2
internal import CGatewayPrefetch
import NIOCore

// The sending side: responses, streaming bodies through a data provider, resets, and the counter on
// resets we send.

extension HTTP2ServerSession {
    /// Submits the response HEADERS (and body). Header names are lowercased (RFC 9113 §8.2.1).
    /// Returns false if the stream is gone or already has a response.
    @discardableResult
    public func respond(
        to streamID: HTTP2StreamID,
        status: Int,
        headers: [(name: String, value: String)],
        body: HTTP2ResponseBody
    ) -> Bool {
        let id = streamID.rawValue
        guard let stream = self.streams[id], stream.requestDelivered, !stream.responded else {
            return false
        }
        let outbound: HTTP2OutboundQueue?
        switch body {
        case .empty:
            outbound = nil
        case .bytes(let bytes):
            outbound = HTTP2OutboundQueue(completeBody: bytes)
        case .streaming:
            outbound = HTTP2OutboundQueue()
        }
        self.streams[id]?.responseSubmitted(outbound)

        var fields = [(name: ":status", value: String(status))]
        fields.reserveCapacity(headers.count + 1)
        for header in headers {
            fields.append((name: header.name.lowercased(), value: header.value))
        }
        let rv: Int32
        if outbound != nil {
            var provider = Self.dataProvider(reading: outbound!)
            rv = withHeaderFields(fields) { nva, count in
                nghttp2_submit_response(self.session, id, nva, count, &provider)
            }
        } else {
            rv = withHeaderFields(fields) { nva, count in
                nghttp2_submit_response(self.session, id, nva, count, nil)
            }
        }
        if rv != 0 {
            self.streams[id]?.responseWithdrawn()
            return false
        }
        return true
    }

    /// Queues bytes on a streaming body (a reference to `bytes`; the copy happens when nghttp2 pulls) and
    /// resumes a parked data provider. False if the stream is gone, not streaming, or finished.
    @discardableResult
    public func enqueue(_ bytes: ByteBuffer, on streamID: HTTP2StreamID) -> Bool {
        enqueueCounting(bytes, on: streamID) != nil
    }

    /// `enqueue` that answers with the bytes now queued on the stream (nil if it takes no bytes), so the
    /// caller's budget check needs no second look-up: this runs once per stream per event.
    public func enqueueCounting(_ bytes: ByteBuffer, on streamID: HTTP2StreamID) -> Int? {
        let id = streamID.rawValue
        guard let queue = self.streams[id]?.outbound, let outcome = queue.appendIfAccepted(bytes) else {
            return nil
        }
        self.wake(queue, for: outcome.wake, on: id)
        return outcome.queued
    }

    /// `enqueue` on this stream comes next: start loading what it touches into the cache. Our queue, and
    /// nghttp2's stream: `nghttp2_submit_data` finds it through nghttp2's stream map, a 4 KiB hash table per
    /// connection whose bucket for each stream was the largest cache miss of a fan-out (~9% of server CPU
    /// at 5,000 streams). Finding it here, one stream ahead, takes that miss while the CPU still has the
    /// current stream's work to do, and the later look-ups hit. Changes nothing: a hint.
    public func prefetch(_ streamID: HTTP2StreamID) {
        let id = streamID.rawValue
        if let queue = self.streams.outboundAddress(of: id) {
            CGatewayPrefetch_twoLines(queue)
        }
        if let stream = nghttp2_session_find_stream(self.session, id) {
            CGatewayPrefetch_fourLines(UnsafeRawPointer(stream))
        }
    }

    /// Ends a streaming body once its queue has drained: END_STREAM rides on the last DATA frame.
    public func finishStream(_ streamID: HTTP2StreamID) {
        let id = streamID.rawValue
        guard let queue = self.streams[id]?.outbound, queue.acceptsBytes else {
            return
        }
        self.wake(queue, for: queue.finish(), on: id)
    }

    /// Gets nghttp2 reading `queue` again: a fresh data provider when the last one ended with the queue
    /// drained, a resume when it is parked.
    private func wake(_ queue: HTTP2OutboundQueue, for wake: HTTP2OutboundQueue.Wake, on id: Int32) {
        switch wake {
        case .none:
            break
        case .resumeData:
            _ = nghttp2_session_resume_data(self.session, id)
        case .submitData:
            var provider = Self.dataProvider(reading: queue)
            // END_STREAM is allowed on this provider's last frame; the read callback withholds it
            // (NGHTTP2_DATA_FLAG_NO_END_STREAM) until the body is finished.
            let flags = UInt8(NGHTTP2_FLAG_END_STREAM.rawValue)
            if nghttp2_submit_data(self.session, flags, id, &provider) != 0 {
                // The stream is closing inside nghttp2 (its close callback follows): nothing reads the
                // queue any more.
                queue.submitFailed()
            }
        }
    }

    /// A provider whose read callback goes straight to `queue` (kept alive by the stream table).
    static func dataProvider(reading queue: HTTP2OutboundQueue) -> nghttp2_data_provider {
        nghttp2_data_provider(
            source: nghttp2_data_source(ptr: Unmanaged.passUnretained(queue).toOpaque()),
            read_callback: { _, streamID, buffer, length, dataFlags, source, userData in
                HTTP2ServerSession.readBody(buffer, length, dataFlags, userData) { destination, flags, userData in
                    // The provider points at the stream's queue: no stream-table look-up per DATA frame.
                    if let queue = source?.pointee.ptr {
                        // Guaranteed by the stream table for as long as nghttp2 reads it: no retain/release
                        // per frame.
                        return Unmanaged<HTTP2OutboundQueue>.fromOpaque(queue)._withUnsafeGuaranteedRef {
                            HTTP2ServerSession.read($0, into: destination, flags: flags)
                        }
                    }
                    return HTTP2ServerSession.from(userData).readResponseBody(
                        streamID: streamID, into: destination, flags: flags)
                }
            })
    }

    /// RST_STREAM now, dropping anything queued. The stream's `.streamClosed` follows once the RST is sent.
    public func resetStream(_ streamID: HTTP2StreamID, errorCode: UInt32) {
        let id = streamID.rawValue
        guard self.streams[id] != nil else {
            return
        }
        self.streams[id]?.outbound?.discard()
        _ = nghttp2_submit_rst_stream(self.session, UInt8(NGHTTP2_FLAG_NONE.rawValue), id, errorCode)
    }

    /// Bytes queued on the stream and not yet pulled by nghttp2. Grows while the client's window is shut,
    /// which is what the server's per-stream outbound budget watches.
    public func queuedBytes(on streamID: HTTP2StreamID) -> Int {
        self.streams[streamID.rawValue]?.outbound?.byteCount ?? 0
    }

    /// The data provider's read callback: copy what is queued, park the stream when nothing is.
    func readResponseBody(
        streamID: Int32,
        into destination: UnsafeMutableRawBufferPointer,
        flags: UnsafeMutablePointer<UInt32>
    ) -> Int {
        guard let queue = self.streams[streamID]?.outbound else {
            // No state (reset, or closed underneath us): stay parked; nghttp2 drops the item on close.
            return Int(NGHTTP2_ERR_DEFERRED.rawValue)
        }
        return Self.read(queue, into: destination, flags: flags)
    }

    /// One DATA frame's worth from `queue`: the bytes copied (or claimed, for NO_COPY), with END_STREAM when the body is done, or with
    /// the provider ended (EOF without END_STREAM) when the queue is drained for now; or
    /// NGHTTP2_ERR_DEFERRED to park the stream until more arrive.
    static func read(
        _ queue: HTTP2OutboundQueue,
        into destination: UnsafeMutableRawBufferPointer,
        flags: UnsafeMutablePointer<UInt32>
    ) -> Int {
        // A large frame only claims its bytes; `sendData` writes them (HTTP2ServerSession+NoCopyData.swift).
        let noCopy = min(queue.byteCount, destination.count) >= Self.noCopyMinimumBytes
        switch noCopy ? queue.claim(upTo: destination.count) : queue.read(into: destination) {
        case .deferred:
            return Int(NGHTTP2_ERR_DEFERRED.rawValue)
        case .bytes(let count, let endOfStream, let endOfProvider):
            if noCopy {
                flags.pointee |= NGHTTP2_DATA_FLAG_NO_COPY.rawValue
            }
            if endOfStream {
                flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
            } else if endOfProvider {
                flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue | NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
            }
            return count
        }
    }

    /// A frame left. Counts our RST_STREAMs, and ends streams whose client is still sending a request we
    /// already answered.
    func frameSent(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 {
        let streamID = frame.pointee.hd.stream_id
        switch UInt32(frame.pointee.hd.type) {
        case NGHTTP2_RST_STREAM.rawValue:
            self.controlFrames.append(HTTP2ControlFrame(kind: .reset, direction: .sent, errorCode: frame.pointee.rst_stream.error_code))
            self.serverResetSent()
        case NGHTTP2_GOAWAY.rawValue:
            self.controlFrames.append(HTTP2ControlFrame(kind: .goAway, direction: .sent, errorCode: frame.pointee.goaway.error_code))
        case NGHTTP2_HEADERS.rawValue, NGHTTP2_DATA.rawValue:
            // RFC 9113 §8.1: after a complete response to an incomplete request (413/431 answered early),
            // RST_STREAM(NO_ERROR) asks the client to stop sending without error.
            let endStream = frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
            if endStream, nghttp2_session_get_stream_remote_close(self.session, streamID) == 0 {
                _ = nghttp2_submit_rst_stream(
                    self.session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, HTTP2ErrorCode.noError)
            }
        default:
            break
        }
        return 0
    }

    /// A frame was dropped before sending (its stream closed first). A dropped RST still counts: the peer
    /// provoked it all the same.
    func frameNotSent(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 {
        if UInt32(frame.pointee.hd.type) == NGHTTP2_RST_STREAM.rawValue {
            self.serverResetSent()
        }
        return 0
    }

    /// The glitch limiter nghttp2 1.67 has and 1.52 lacks (research §1.3 B). Send-side callbacks return 0
    /// after tripping so mem_send goes on to emit the GOAWAY in the same `collectOutput`.
    private func serverResetSent() {
        if !self.serverResetLimiter.take(now: self.now()) {
            self.floodDetected(.serverResets)
        }
    }
}
