internal import CNGHTTP2
import NIOCore

// nghttp2 callbacks of the client session. Each closure of the table recovers the session through
// NGHTTP2CallbackTarget's helpers and makes one method call; the methods below only record.

extension HTTP2ClientSession: NGHTTP2CallbackTarget {
    /// Fills the callback table handed to nghttp2_session_client_new2 (which copies it).
    static func installCallbacks(_ callbacks: OpaquePointer) {
        nghttp2_session_callbacks_set_on_header_callback(callbacks) {
            _, frame, name, nameLength, value, valueLength, _, userData in
            HTTP2ClientSession.headerField(frame, name, nameLength, value, valueLength, userData, valid: true)
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, userData in
            HTTP2ClientSession.withFrame(frame, userData) { $0.frameReceived($1) }
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, streamID, data, length, userData in
            HTTP2ClientSession.dataChunk(streamID, data, length, userData)
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, streamID, errorCode, userData in
            HTTP2ClientSession.streamClosed(streamID, errorCode, userData)
        }
    }

    /// One response header field. `:status` is kept as a number; other fields in arrival order. (`valid` is
    /// always true: the client does not ask for fields nghttp2 finds malformed.)
    func headerReceived(
        _ frame: UnsafePointer<nghttp2_frame>, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>,
        valid: Bool
    ) -> Int32 {
        let streamID = frame.pointee.hd.stream_id
        guard self.streams[streamID] != nil else {
            return 0
        }
        if name.elementsEqual(":status".utf8) {
            // A new status starts a new header block (after a 1xx, RFC 9110 §15.2).
            self.streams[streamID]?.status = Int(String(decoding: value, as: UTF8.self))
            self.streams[streamID]?.headers = []
        } else {
            self.streams[streamID]?.headers.append(
                (name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self)))
        }
        return 0
    }

    /// A complete frame. Final response HEADERS and GOAWAY become events.
    func frameReceived(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 {
        let streamID = frame.pointee.hd.stream_id
        switch UInt32(frame.pointee.hd.type) {
        case NGHTTP2_HEADERS.rawValue:
            let category = frame.pointee.headers.cat
            guard category == NGHTTP2_HCAT_RESPONSE || category == NGHTTP2_HCAT_HEADERS,
                let stream = self.streams[streamID], let status = stream.status, status >= 200
            else {
                return 0
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
        return 0
    }

    /// DATA payload: appended to the shared receive buffer, recorded as a range of it.
    func dataChunkReceived(streamID: Int32, _ chunk: UnsafeRawBufferPointer) -> Int32 {
        guard chunk.count > 0 else {
            return 0
        }
        let offset = self.received.writerIndex
        self.received.writeBytes(chunk)
        self.records.append(.data(streamID, offset: offset, length: chunk.count))
        return 0
    }

    /// The stream is gone; every stream from `startRequest` produces exactly one of these.
    func streamClosed(streamID: Int32, errorCode: UInt32) {
        guard self.streams.removeValue(forKey: streamID) != nil else {
            return
        }
        self.records.append(.event(.streamClosed(HTTP2StreamID(streamID), errorCode: errorCode)))
    }
}
