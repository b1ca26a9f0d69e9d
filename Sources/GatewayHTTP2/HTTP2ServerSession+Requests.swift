internal import CNGHTTP2

// The receiving side: assembling requests from HEADERS/DATA, header and body limits, and the flood
// counters for frames the client sends.

extension HTTP2ServerSession {
    /// A header block starts. Request blocks open our per-stream state; trailers reuse it.
    func headersBegan(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 {
        let streamID = frame.pointee.hd.stream_id
        if frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST {
            self.highestRequestStreamID = max(self.highestRequestStreamID, streamID)
            self.streams[streamID] = HTTP2Stream()
            self.pendingRequests[streamID] = PendingRequest(startedAt: self.now())
        }
        return 0
    }

    /// One header field. nghttp2 never enforces our SETTINGS_MAX_HEADER_LIST_SIZE, so every field, trailers
    /// and fields nghttp2 would drop as invalid included, is counted here (research §1.3 D).
    func headerReceived(
        _ frame: UnsafePointer<nghttp2_frame>,
        name: UnsafeBufferPointer<UInt8>,
        value: UnsafeBufferPointer<UInt8>,
        valid: Bool
    ) -> Int32 {
        let streamID = frame.pointee.hd.stream_id
        let store = valid && frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST
        self.pendingRequests[streamID]?.receiveHeader(
            name: name,
            value: value,
            store: store,
            maxCount: self.settings.maxHeaderCount,
            maxListSize: self.settings.maxHeaderListSize)
        // 0 for an invalid field means "ignore it", nghttp2's behaviour without this callback.
        return 0
    }

    /// A frame header arrived. HEADERS that would reopen a stream id below one already used end the
    /// connection (`headersRegressStreamID`). Frames that cost us parsing and the peer nothing are counted
    /// here: PRIORITY (deprecated by RFC 9113 §5.3.2), PRIORITY_UPDATE when nghttp2 runs the RFC 7540
    /// scheme (see HTTP2ServerSession+ClosedStreams.swift), and types outside RFC 9113 (ignored per §5.5)
    /// (research §1.3 F).
    func frameBegan(type: UInt8, streamID: Int32) -> Int32 {
        let type = UInt32(type)
        if type == NGHTTP2_HEADERS.rawValue {
            if self.headersRegressStreamID(streamID) {
                self.terminate(errorCode: HTTP2ErrorCode.protocolError)
            }
            return 0
        }
        let isIgnored =
            type == NGHTTP2_PRIORITY.rawValue
            || (type > NGHTTP2_CONTINUATION.rawValue
                && (self.settings.retainsClosedStreams || type != NGHTTP2_PRIORITY_UPDATE.rawValue))
        guard isIgnored else {
            return 0
        }
        guard self.ignoredFrameLimiter.take(now: self.now()) else {
            self.floodDetected(.ignoredFrames)
            return NGHTTP2_ERR_CALLBACK_FAILURE.rawValue
        }
        return 0
    }

    /// A complete frame arrived (header blocks after their last CONTINUATION).
    func frameReceived(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 {
        let streamID = frame.pointee.hd.stream_id
        let endStream = frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
        switch UInt32(frame.pointee.hd.type) {
        case NGHTTP2_HEADERS.rawValue:
            // A header list over the limit is answered (431) as soon as the block ends, whether or not a
            // body follows; the body is then dropped.
            if endStream || self.pendingRequests[streamID]?.request.problem != nil {
                self.deliverRequest(streamID)
            } else if self.pendingRequests[streamID] != nil {
                self.pendingRequests[streamID]!.headComplete = true
                self.pendingRequests[streamID]!.lastProgress = self.now()
            }
        case NGHTTP2_DATA.rawValue:
            // CVE-2019-9518: empty DATA without END_STREAM costs us work and the peer nothing.
            if frame.pointee.hd.length == 0, !endStream,
                !self.emptyDataFrameLimiter.take(now: self.now())
            {
                self.floodDetected(.emptyDataFrames)
                return NGHTTP2_ERR_CALLBACK_FAILURE.rawValue
            }
            if endStream {
                self.deliverRequest(streamID)
            }
        case NGHTTP2_PING.rawValue, NGHTTP2_SETTINGS.rawValue:
            // Each one makes us send an ACK (CVE-2019-9512/9515); the ACKs themselves cost us nothing.
            if frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) == 0,
                !self.acknowledgedFrameLimiter.take(now: self.now())
            {
                self.floodDetected(.acknowledgedFrames)
                return NGHTTP2_ERR_CALLBACK_FAILURE.rawValue
            }
        case NGHTTP2_GOAWAY.rawValue:
            self.events.append(.goAwayReceived)
            self.controlFrames.append(HTTP2ControlFrame(kind: .goAway, direction: .received, errorCode: frame.pointee.goaway.error_code))
        case NGHTTP2_RST_STREAM.rawValue:
            self.controlFrames.append(HTTP2ControlFrame(kind: .reset, direction: .received, errorCode: frame.pointee.rst_stream.error_code))
        default:
            break
        }
        return 0
    }

    /// DATA payload for a stream. Bodies are bounded by `maxRequestBodyBytes`; past it the request is
    /// delivered at once with `.bodyTooLarge` and later chunks are dropped. nghttp2's automatic
    /// WINDOW_UPDATEs keep flowing, so the client can finish sending or act on our RST_STREAM(NO_ERROR).
    func dataChunkReceived(streamID: Int32, _ chunk: UnsafeRawBufferPointer) -> Int32 {
        if !chunk.isEmpty, self.pendingRequests[streamID] != nil {
            self.pendingRequests[streamID]!.lastProgress = self.now()
        }
        let withinLimit = self.pendingRequests[streamID]?.receiveBody(
            chunk, limit: self.settings.maxRequestBodyBytes)
        if withinLimit == false {
            self.deliverRequest(streamID)
        }
        return 0
    }

    /// nghttp2 rejected a frame; in 1.52 this is where a stream error turns into our RST_STREAM (MadeYouReset,
    /// CVE-2025-8671). The reset itself is charged again when it is sent: a provoked reset costs two tokens.
    func invalidFrameReceived() -> Int32 {
        guard self.serverResetLimiter.take(now: self.now()) else {
            self.floodDetected(.serverResets)
            return NGHTTP2_ERR_CALLBACK_FAILURE.rawValue
        }
        return 0
    }

    /// The stream is gone (closed either way, reset, or refused). Releases all its state.
    func streamClosed(streamID: Int32, errorCode: UInt32) {
        self.forgetPendingRequest(streamID)
        guard let stream = self.streams.removeValue(forKey: streamID) else {
            return
        }
        if let queue = stream.outbound, let attachment = queue.attachment {
            queue.attachment = nil
            self.closedAttachments[streamID] = attachment
        }
        if stream.requestDelivered {
            self.events.append(.streamClosed(HTTP2StreamID(streamID), errorCode: errorCode))
        }
    }

    /// Hands the request to the caller, once; afterwards the stream keeps no request state.
    private func deliverRequest(_ streamID: Int32) {
        guard let pending = self.forgetPendingRequest(streamID) else {
            return
        }
        self.streams[streamID]?.requestWasDelivered()
        self.events.append(.request(HTTP2StreamID(streamID), pending.request))
    }

    /// Removes a request from the table, and gives the table's storage back once it is empty: a removal
    /// keeps the capacity, and a request entry is large (~300 bytes for a table of two), so every
    /// connection kept that much for a request long delivered while its stream ran.
    @discardableResult
    private func forgetPendingRequest(_ streamID: Int32) -> PendingRequest? {
        let pending = self.pendingRequests.removeValue(forKey: streamID)
        if pending != nil, self.pendingRequests.isEmpty {
            self.pendingRequests = [:]
        }
        return pending
    }
}
