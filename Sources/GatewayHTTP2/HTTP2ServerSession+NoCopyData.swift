internal import CNGHTTP2
import NIOCore

// Large DATA frames without nghttp2's copy (NGHTTP2_DATA_FLAG_NO_COPY).
//
// By default nghttp2 packs every DATA frame into its 16 KiB frame buffer (the read callback copies the
// payload there) and `collectOutput` copies the packed frame again into the connection's output. For a
// frame of 4 KiB or more the read callback only claims the bytes and sets NO_COPY; nghttp2 then calls
// `sendData` with the frame's 9-byte header, and the header and the payload go straight from the
// stream's queued event bytes into the output that the TLS handler encrypts: one copy instead of two.
// Small frames (the fan-out of small events) keep the packed path, where the frames of many streams are
// returned by `nghttp2_session_mem_send` one after another and the per-frame callback would cost more
// than the copy it saves.
//
// Flow control, frame sizes, priorities and END_STREAM are unchanged: nghttp2 still decides how many
// bytes each frame carries (the read callback's `length`) and writes the header; only where the payload
// is copied changes.

extension HTTP2ServerSession {
    /// Frames carrying at least this many bytes are sent with NGHTTP2_DATA_FLAG_NO_COPY.
    static let noCopyMinimumBytes = 4096

    /// RFC 9113 §4.1: every frame starts with a 9-octet header.
    private static let frameHeaderLength = 9

    /// nghttp2_send_data_callback: writes one whole DATA frame into the output of the running
    /// `collectOutput` (header, Pad Length, the claimed payload, padding; nghttp2.h's recipe), and asks
    /// `nghttp2_session_mem_send` to return (NGHTTP2_ERR_PAUSE, after the frame counts as sent) once that
    /// output has reached its limit.
    func sendData(
        _ frame: UnsafeMutablePointer<nghttp2_frame>, header: UnsafePointer<UInt8>, length: Int,
        source: UnsafeMutablePointer<nghttp2_data_source>?
    ) -> Int32 {
        // Only `collectOutput` runs mem_send, so the output is always there; failing the session beats
        // writing a frame nowhere.
        guard let output = self.outputTarget else { return nghttp2CallbackFailure }
        let streamID = frame.pointee.hd.stream_id
        let queuePointer = source?.pointee.ptr
        guard let queue = queuePointer.map({ Unmanaged<HTTP2OutboundQueue>.fromOpaque($0).takeUnretainedValue() })
            ?? self.streams[streamID]?.outbound
        else {
            // The claimed bytes are gone with their stream: reset it rather than send a short frame.
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue
        }
        let padding = Int(frame.pointee.data.padlen)
        output.pointee.writeBytes(UnsafeRawBufferPointer(start: header, count: Self.frameHeaderLength))
        if padding > 0 {
            output.pointee.writeInteger(UInt8(padding - 1))  // Pad Length (RFC 9113 §6.1)
        }
        queue.write(length, into: &output.pointee)
        if padding > 1 {
            output.pointee.writeRepeatingByte(0, count: padding - 1)
        }
        self.sentSinceQuietCheck = true
        if output.pointee.writerIndex >= self.outputLimit {
            self.outputPaused = true
            return NGHTTP2_ERR_PAUSE.rawValue
        }
        return 0
    }
}
