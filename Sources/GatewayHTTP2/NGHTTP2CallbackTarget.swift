internal import CNGHTTP2

/// What nghttp2 reports to either session through the callbacks both install (header fields, complete
/// frames, DATA payloads, stream closes), and the one way a C callback reaches those methods.
///
/// Maintainer note. A C function pointer cannot be formed from a closure that mentions a generic type, so
/// each session still lists its own callback table (`installCallbacks`), one short closure per callback.
/// Everything those closures would otherwise repeat lives in the static helpers below: unwrapping
/// nghttp2's optional pointers, recovering the session from user_data, wrapping buffers, and the return
/// code. The compiler specialises them per session, so the C callback still makes one direct call.
protocol NGHTTP2CallbackTarget: AnyObject {
    /// One header field. `valid` is false for a field nghttp2 found malformed (only the server installs
    /// on_invalid_header); a non-zero result is nghttp2's error code.
    func headerReceived(
        _ frame: UnsafePointer<nghttp2_frame>, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>,
        valid: Bool
    ) -> Int32
    /// A complete frame (header blocks after their last CONTINUATION).
    func frameReceived(_ frame: UnsafePointer<nghttp2_frame>) -> Int32
    /// DATA payload for a stream.
    func dataChunkReceived(streamID: Int32, _ chunk: UnsafeRawBufferPointer) -> Int32
    /// The stream is gone. Cannot fail: see `streamClosed(_:_:_:)`.
    func streamClosed(streamID: Int32, errorCode: UInt32)
}

/// What a callback returns when nghttp2 handed it no frame or no user data (it never does; failing the
/// session beats crashing the process).
let nghttp2CallbackFailure = NGHTTP2_ERR_CALLBACK_FAILURE.rawValue

extension NGHTTP2CallbackTarget {
    /// The session behind nghttp2's user_data (set right after the session is created, unretained: the
    /// session owns nghttp2, not the other way round).
    static func from(_ userData: UnsafeMutableRawPointer) -> Self {
        Unmanaged<Self>.fromOpaque(userData).takeUnretainedValue()
    }

    /// Any callback that carries a frame (on_frame_recv, on_begin_headers, on_frame_send, ...): `call` gets
    /// the session and the frame.
    ///
    /// The session is borrowed, not retained: it is alive for as long as nghttp2 can call back (it owns the
    /// nghttp2 session), and on_frame_send runs for every DATA frame of a fan-out, where a retain and a
    /// release per frame were ~0.8% of server CPU (BENCHMARKS.md, "Prefetching what the next deliveries
    /// touch").
    static func withFrame(
        _ frame: UnsafePointer<nghttp2_frame>?, _ userData: UnsafeMutableRawPointer?,
        _ call: (Self, UnsafePointer<nghttp2_frame>) -> Int32
    ) -> Int32 {
        guard let frame, let userData else { return nghttp2CallbackFailure }
        return Unmanaged<Self>.fromOpaque(userData)._withUnsafeGuaranteedRef { call($0, frame) }
    }

    /// on_header_callback and on_invalid_header_callback (same C signature).
    static func headerField(
        _ frame: UnsafePointer<nghttp2_frame>?, _ name: UnsafePointer<UInt8>?, _ nameLength: Int,
        _ value: UnsafePointer<UInt8>?, _ valueLength: Int, _ userData: UnsafeMutableRawPointer?, valid: Bool
    ) -> Int32 {
        withFrame(frame, userData) { session, frame in
            session.headerReceived(
                frame, name: UnsafeBufferPointer(start: name, count: nameLength),
                value: UnsafeBufferPointer(start: value, count: valueLength), valid: valid)
        }
    }

    /// on_data_chunk_recv_callback.
    static func dataChunk(
        _ streamID: Int32, _ data: UnsafePointer<UInt8>?, _ length: Int, _ userData: UnsafeMutableRawPointer?
    ) -> Int32 {
        guard let userData else { return nghttp2CallbackFailure }
        return from(userData).dataChunkReceived(streamID: streamID, UnsafeRawBufferPointer(start: data, count: length))
    }

    /// on_stream_close_callback. Never an error from here (research §1.5 K): nghttp2 would fail the whole
    /// session.
    static func streamClosed(_ streamID: Int32, _ errorCode: UInt32, _ userData: UnsafeMutableRawPointer?) -> Int32 {
        guard let userData else { return 0 }
        from(userData).streamClosed(streamID: streamID, errorCode: errorCode)
        return 0
    }

    /// nghttp2_data_source_read_callback (request bodies on the client, responses on the server): `read`
    /// gets the destination, the data flags and the user data, and returns the bytes written or an nghttp2
    /// error code.
    static func readBody(
        _ buffer: UnsafeMutablePointer<UInt8>?, _ length: Int, _ dataFlags: UnsafeMutablePointer<UInt32>?,
        _ userData: UnsafeMutableRawPointer?,
        _ read: (UnsafeMutableRawBufferPointer, UnsafeMutablePointer<UInt32>, UnsafeMutableRawPointer) -> Int
    ) -> Int {
        guard let buffer, let dataFlags, let userData else { return Int(nghttp2CallbackFailure) }
        return read(UnsafeMutableRawBufferPointer(start: buffer, count: length), dataFlags, userData)
    }
}
