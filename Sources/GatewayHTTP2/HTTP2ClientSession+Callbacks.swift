internal import CNGHTTP2
import NIOCore

// nghttp2 callbacks of the client session. Each thunk has the C signature, recovers the session from
// user_data and makes one method call; the methods below only record.

extension HTTP2ClientSession {
    /// The callback table handed to nghttp2_session_client_new2 (which copies it).
    static func makeCallbacks() -> OpaquePointer? {
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else {
            return nil
        }
        nghttp2_session_callbacks_set_on_header_callback(callbacks, clientHeaderThunk)
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, clientFrameReceivedThunk)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, clientDataChunkThunk)
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, clientStreamClosedThunk)
        return callbacks
    }

    fileprivate static func from(_ userData: UnsafeMutableRawPointer) -> HTTP2ClientSession {
        Unmanaged<HTTP2ClientSession>.fromOpaque(userData).takeUnretainedValue()
    }

    /// One response header field. `:status` is kept as a number; other fields in arrival order.
    func headerReceived(streamID: Int32, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        guard self.streams[streamID] != nil else {
            return
        }
        if name.elementsEqual(":status".utf8) {
            // A new status starts a new header block (after a 1xx, RFC 9110 §15.2).
            self.streams[streamID]?.status = Int(String(decoding: value, as: UTF8.self))
            self.streams[streamID]?.headers = []
        } else {
            self.streams[streamID]?.headers.append(
                (name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self)))
        }
    }

    /// A complete frame. Final response HEADERS and GOAWAY become events.
    func frameReceived(_ frame: UnsafePointer<nghttp2_frame>) {
        let streamID = frame.pointee.hd.stream_id
        switch UInt32(frame.pointee.hd.type) {
        case NGHTTP2_HEADERS.rawValue:
            let category = frame.pointee.headers.cat
            guard category == NGHTTP2_HCAT_RESPONSE || category == NGHTTP2_HCAT_HEADERS,
                let stream = self.streams[streamID], let status = stream.status, status >= 200
            else {
                return
            }
            // Trailers (a second HEADERS after the final response) carry no :status and are ignored.
            self.streams[streamID]?.status = nil
            self.records.append(
                .event(.response(HTTP2StreamID(streamID), status: status, headers: stream.headers)))
            self.streams[streamID]?.headers = []
        case NGHTTP2_GOAWAY.rawValue:
            self.records.append(
                .event(.goAwayReceived(
                    lastStreamID: frame.pointee.goaway.last_stream_id, errorCode: frame.pointee.goaway.error_code)))
        default:
            break
        }
    }

    /// DATA payload: appended to the shared receive buffer, recorded as a range of it.
    func dataChunkReceived(streamID: Int32, _ chunk: UnsafeRawBufferPointer) {
        guard chunk.count > 0 else {
            return
        }
        let offset = self.received.writerIndex
        self.received.writeBytes(chunk)
        self.records.append(.data(streamID, offset: offset, length: chunk.count))
    }

    /// The stream is gone; every stream from `startRequest` produces exactly one of these.
    func streamClosed(streamID: Int32, errorCode: UInt32) {
        guard self.streams.removeValue(forKey: streamID) != nil else {
            return
        }
        self.records.append(.event(.streamClosed(HTTP2StreamID(streamID), errorCode: errorCode)))
    }
}

private func clientHeaderThunk(
    _ session: OpaquePointer?,
    _ frame: UnsafePointer<nghttp2_frame>?,
    _ name: UnsafePointer<UInt8>?,
    _ nameLength: Int,
    _ value: UnsafePointer<UInt8>?,
    _ valueLength: Int,
    _ flags: UInt8,
    _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    guard let frame, let userData else { return NGHTTP2_ERR_CALLBACK_FAILURE.rawValue }
    HTTP2ClientSession.from(userData).headerReceived(
        streamID: frame.pointee.hd.stream_id,
        name: UnsafeBufferPointer(start: name, count: nameLength),
        value: UnsafeBufferPointer(start: value, count: valueLength))
    return 0
}

private func clientFrameReceivedThunk(
    _ session: OpaquePointer?,
    _ frame: UnsafePointer<nghttp2_frame>?,
    _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    guard let frame, let userData else { return NGHTTP2_ERR_CALLBACK_FAILURE.rawValue }
    HTTP2ClientSession.from(userData).frameReceived(frame)
    return 0
}

private func clientDataChunkThunk(
    _ session: OpaquePointer?,
    _ flags: UInt8,
    _ streamID: Int32,
    _ data: UnsafePointer<UInt8>?,
    _ length: Int,
    _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    guard let userData else { return NGHTTP2_ERR_CALLBACK_FAILURE.rawValue }
    HTTP2ClientSession.from(userData).dataChunkReceived(
        streamID: streamID, UnsafeRawBufferPointer(start: data, count: length))
    return 0
}

private func clientStreamClosedThunk(
    _ session: OpaquePointer?,
    _ streamID: Int32,
    _ errorCode: UInt32,
    _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    guard let userData else { return 0 }
    HTTP2ClientSession.from(userData).streamClosed(streamID: streamID, errorCode: errorCode)
    return 0
}

/// nghttp2_data_provider read callback for request bodies (see HTTP2ClientSession+Requests).
func requestBodyReadThunk(
    _ session: OpaquePointer?,
    _ streamID: Int32,
    _ buffer: UnsafeMutablePointer<UInt8>?,
    _ length: Int,
    _ dataFlags: UnsafeMutablePointer<UInt32>?,
    _ source: UnsafeMutablePointer<nghttp2_data_source>?,
    _ userData: UnsafeMutableRawPointer?
) -> Int {
    guard let buffer, let dataFlags, let userData else { return Int(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue) }
    return HTTP2ClientSession.from(userData).readRequestBody(
        streamID: streamID, into: UnsafeMutableRawBufferPointer(start: buffer, count: length), flags: dataFlags)
}
