internal import CNGHTTP2

// nghttp2 callbacks. Each thunk has the C signature, recovers the session from user_data and makes one
// method call; the logic lives in the methods (HTTP2ServerSession+Requests/+Responses).

extension HTTP2ServerSession {
    /// The callback table handed to nghttp2_session_server_new2 (which copies it).
    static func makeCallbacks() -> OpaquePointer? {
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else {
            return nil
        }
        nghttp2_session_callbacks_set_on_begin_frame_callback(callbacks, beginFrameThunk)
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, beginHeadersThunk)
        nghttp2_session_callbacks_set_on_extension_chunk_recv_callback(callbacks, extensionChunkThunk)
        nghttp2_session_callbacks_set_unpack_extension_callback(callbacks, unpackExtensionThunk)
        nghttp2_session_callbacks_set_on_header_callback(callbacks, headerThunk)
        nghttp2_session_callbacks_set_on_invalid_header_callback(callbacks, invalidHeaderThunk)
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, frameReceivedThunk)
        nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(callbacks, invalidFrameReceivedThunk)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, dataChunkReceivedThunk)
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, frameSentThunk)
        nghttp2_session_callbacks_set_on_frame_not_send_callback(callbacks, frameNotSentThunk)
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, streamClosedThunk)
        return callbacks
    }

    /// The session behind nghttp2's user_data (set in init, unretained: the session owns nghttp2, not the
    /// other way round).
    fileprivate static func from(_ userData: UnsafeMutableRawPointer) -> HTTP2ServerSession {
        Unmanaged<HTTP2ServerSession>.fromOpaque(userData).takeUnretainedValue()
    }
}

private let callbackFailure = NGHTTP2_ERR_CALLBACK_FAILURE.rawValue

private func beginFrameThunk(
    _ session: OpaquePointer?,
    _ header: UnsafePointer<nghttp2_frame_hd>?,
    _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    guard let header, let userData else { return callbackFailure }
    return HTTP2ServerSession.from(userData).frameBegan(type: header.pointee.type, streamID: header.pointee.stream_id)
}

/// Extension frames (counted in on_begin_frame) are dropped unread: no extension is enabled.
private func extensionChunkThunk(
    _ session: OpaquePointer?,
    _ header: UnsafePointer<nghttp2_frame_hd>?,
    _ data: UnsafePointer<UInt8>?,
    _ length: Int,
    _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    NGHTTP2_ERR_CANCEL.rawValue
}

private func unpackExtensionThunk(
    _ session: OpaquePointer?,
    _ payload: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ header: UnsafePointer<nghttp2_frame_hd>?,
    _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    NGHTTP2_ERR_CANCEL.rawValue
}

private func beginHeadersThunk(
    _ session: OpaquePointer?,
    _ frame: UnsafePointer<nghttp2_frame>?,
    _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    guard let frame, let userData else { return callbackFailure }
    return HTTP2ServerSession.from(userData).headersBegan(frame)
}

// One header field, valid or not (nghttp2 hands invalid ones to a callback of the same signature, so they
// count towards the field limit too): the two callbacks differ only in that flag.
private func headerThunk(
    _ session: OpaquePointer?, _ frame: UnsafePointer<nghttp2_frame>?, _ name: UnsafePointer<UInt8>?, _ nameLength: Int,
    _ value: UnsafePointer<UInt8>?, _ valueLength: Int, _ flags: UInt8, _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    headerField(frame, name, nameLength, value, valueLength, userData, valid: true)
}

private func invalidHeaderThunk(
    _ session: OpaquePointer?, _ frame: UnsafePointer<nghttp2_frame>?, _ name: UnsafePointer<UInt8>?, _ nameLength: Int,
    _ value: UnsafePointer<UInt8>?, _ valueLength: Int, _ flags: UInt8, _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    headerField(frame, name, nameLength, value, valueLength, userData, valid: false)
}

private func headerField(
    _ frame: UnsafePointer<nghttp2_frame>?, _ name: UnsafePointer<UInt8>?, _ nameLength: Int, _ value: UnsafePointer<UInt8>?,
    _ valueLength: Int, _ userData: UnsafeMutableRawPointer?, valid: Bool
) -> Int32 {
    guard let frame, let userData else { return callbackFailure }
    return HTTP2ServerSession.from(userData).headerReceived(
        frame, name: UnsafeBufferPointer(start: name, count: nameLength), value: UnsafeBufferPointer(start: value, count: valueLength), valid: valid)
}

private func frameReceivedThunk(
    _ session: OpaquePointer?,
    _ frame: UnsafePointer<nghttp2_frame>?,
    _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    guard let frame, let userData else { return callbackFailure }
    return HTTP2ServerSession.from(userData).frameReceived(frame)
}

private func invalidFrameReceivedThunk(
    _ session: OpaquePointer?,
    _ frame: UnsafePointer<nghttp2_frame>?,
    _ libraryErrorCode: Int32,
    _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    guard let userData else { return callbackFailure }
    return HTTP2ServerSession.from(userData).invalidFrameReceived()
}

private func dataChunkReceivedThunk(
    _ session: OpaquePointer?,
    _ flags: UInt8,
    _ streamID: Int32,
    _ data: UnsafePointer<UInt8>?,
    _ length: Int,
    _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    guard let userData else { return callbackFailure }
    return HTTP2ServerSession.from(userData).dataChunkReceived(
        streamID: streamID, UnsafeRawBufferPointer(start: data, count: length))
}

private func frameSentThunk(
    _ session: OpaquePointer?,
    _ frame: UnsafePointer<nghttp2_frame>?,
    _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    guard let frame, let userData else { return callbackFailure }
    return HTTP2ServerSession.from(userData).frameSent(frame)
}

private func frameNotSentThunk(
    _ session: OpaquePointer?,
    _ frame: UnsafePointer<nghttp2_frame>?,
    _ libraryErrorCode: Int32,
    _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    guard let frame, let userData else { return callbackFailure }
    return HTTP2ServerSession.from(userData).frameNotSent(frame)
}

private func streamClosedThunk(
    _ session: OpaquePointer?,
    _ streamID: Int32,
    _ errorCode: UInt32,
    _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    // Never an error from here (research §1.5 K): nghttp2 would fail the whole session.
    guard let userData else { return 0 }
    HTTP2ServerSession.from(userData).streamClosed(streamID: streamID, errorCode: errorCode)
    return 0
}

/// nghttp2_data_provider read callback for response bodies (see HTTP2ServerSession+Responses).
func dataSourceReadThunk(
    _ session: OpaquePointer?,
    _ streamID: Int32,
    _ buffer: UnsafeMutablePointer<UInt8>?,
    _ length: Int,
    _ dataFlags: UnsafeMutablePointer<UInt32>?,
    _ source: UnsafeMutablePointer<nghttp2_data_source>?,
    _ userData: UnsafeMutableRawPointer?
) -> Int {
    guard let buffer, let dataFlags, let userData else { return Int(callbackFailure) }
    let destination = UnsafeMutableRawBufferPointer(start: buffer, count: length)
    // The provider points at the stream's queue (see `respond`): no stream-table look-up per DATA frame.
    if let queue = source?.pointee.ptr {
        // Guaranteed by the stream table for as long as nghttp2 reads it: no retain/release per frame.
        return Unmanaged<HTTP2OutboundQueue>.fromOpaque(queue)._withUnsafeGuaranteedRef {
            HTTP2ServerSession.read($0, into: destination, flags: dataFlags)
        }
    }
    return HTTP2ServerSession.from(userData).readResponseBody(streamID: streamID, into: destination, flags: dataFlags)
}
