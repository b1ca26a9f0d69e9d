internal import CNGHTTP2

// nghttp2 callbacks. Each closure of the table recovers the session (through NGHTTP2CallbackTarget's
// helpers where the client has the same callback) and makes one method call; the logic lives in the
// methods (HTTP2ServerSession+Requests/+Responses).

extension HTTP2ServerSession: NGHTTP2CallbackTarget {
    /// Fills the callback table handed to nghttp2_session_server_new3 (which copies it).
    static func installCallbacks(_ callbacks: OpaquePointer) {
        nghttp2_session_callbacks_set_on_begin_frame_callback(callbacks) { _, header, userData in
            guard let header, let userData else { return nghttp2CallbackFailure }
            return HTTP2ServerSession.from(userData).frameBegan(
                type: header.pointee.type, streamID: header.pointee.stream_id)
        }
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks) { _, frame, userData in
            HTTP2ServerSession.withFrame(frame, userData) { $0.headersBegan($1) }
        }
        // Extension frames (counted in on_begin_frame) are dropped unread: no extension is enabled.
        nghttp2_session_callbacks_set_on_extension_chunk_recv_callback(callbacks) { _, _, _, _, _ in
            NGHTTP2_ERR_CANCEL.rawValue
        }
        nghttp2_session_callbacks_set_unpack_extension_callback(callbacks) { _, _, _, _ in
            NGHTTP2_ERR_CANCEL.rawValue
        }
        // One header field, valid or not: nghttp2 hands invalid ones to a callback of the same signature, so
        // they count towards the field limit too.
        nghttp2_session_callbacks_set_on_header_callback(callbacks) {
            _, frame, name, nameLength, value, valueLength, _, userData in
            HTTP2ServerSession.headerField(frame, name, nameLength, value, valueLength, userData, valid: true)
        }
        nghttp2_session_callbacks_set_on_invalid_header_callback(callbacks) {
            _, frame, name, nameLength, value, valueLength, _, userData in
            HTTP2ServerSession.headerField(frame, name, nameLength, value, valueLength, userData, valid: false)
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, userData in
            HTTP2ServerSession.withFrame(frame, userData) { $0.frameReceived($1) }
        }
        nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(callbacks) { _, _, _, userData in
            guard let userData else { return nghttp2CallbackFailure }
            return HTTP2ServerSession.from(userData).invalidFrameReceived()
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, streamID, data, length, userData in
            HTTP2ServerSession.dataChunk(streamID, data, length, userData)
        }
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks) { _, frame, userData in
            HTTP2ServerSession.withFrame(frame, userData) { $0.frameSent($1) }
        }
        nghttp2_session_callbacks_set_on_frame_not_send_callback(callbacks) { _, frame, _, userData in
            HTTP2ServerSession.withFrame(frame, userData) { $0.frameNotSent($1) }
        }
        // Large DATA frames sent with NGHTTP2_DATA_FLAG_NO_COPY (HTTP2ServerSession+NoCopyData.swift).
        nghttp2_session_callbacks_set_send_data_callback(callbacks) { _, frame, header, length, source, userData in
            guard let frame, let header, let userData else { return nghttp2CallbackFailure }
            return HTTP2ServerSession.from(userData).sendData(frame, header: header, length: length, source: source)
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, streamID, errorCode, userData in
            HTTP2ServerSession.streamClosed(streamID, errorCode, userData)
        }
    }
}
