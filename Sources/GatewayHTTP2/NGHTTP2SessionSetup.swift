internal import CNGHTTP2
import NIOCore

/// The steps around an nghttp2 session that are the same on the server and the client side: creating it
/// (an option set and a callback table, each freed once nghttp2 has copied it), submitting SETTINGS, and
/// feeding it received bytes. Every set-up failure is `setupFailed` with nghttp2's code.
enum NGHTTP2SessionSetup {
    /// Creates a session: `configure` sets the options, `install` fills the callback table, `create` calls
    /// the side's nghttp2_session_*_new with (session out-pointer, callbacks, options).
    static func makeSession(
        configure: (OpaquePointer) -> Void,
        install: (OpaquePointer) -> Void,
        create: (UnsafeMutablePointer<OpaquePointer?>, OpaquePointer, OpaquePointer) -> Int32
    ) throws(HTTP2ConnectionError) -> OpaquePointer {
        var options: OpaquePointer?
        var rv = nghttp2_option_new(&options)
        guard rv == 0, let options else {
            throw .setupFailed(libraryCode: Int(rv))
        }
        defer { nghttp2_option_del(options) }
        configure(options)
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else {
            throw .setupFailed(libraryCode: Int(NGHTTP2_ERR_NOMEM.rawValue))
        }
        defer { nghttp2_session_callbacks_del(callbacks) }
        install(callbacks)
        var session: OpaquePointer?
        rv = create(&session, callbacks, options)
        guard rv == 0, let session else {
            throw .setupFailed(libraryCode: Int(rv))
        }
        return session
    }

    /// Queues one SETTINGS frame with `entries` (values clamped to 32 bits).
    static func submitSettings(
        _ session: OpaquePointer, _ entries: [(id: nghttp2_settings_id, value: Int)]
    ) throws(HTTP2ConnectionError) {
        let settings = entries.map {
            nghttp2_settings_entry(settings_id: Int32($0.id.rawValue), value: UInt32(clamping: $0.value))
        }
        let rv = settings.withUnsafeBufferPointer {
            nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), $0.baseAddress, $0.count)
        }
        if rv != 0 {
            throw .setupFailed(libraryCode: Int(rv))
        }
    }

    /// Feeds `bytes` to nghttp2 (`nghttp2_session_mem_recv`): the bytes consumed, or nghttp2's error code.
    static func receive(_ session: OpaquePointer, _ bytes: ByteBuffer) -> Int {
        bytes.withUnsafeReadableBytes { raw -> Int in
            guard let base = raw.baseAddress, raw.count > 0 else {
                return 0
            }
            return nghttp2_session_mem_recv(session, base.assumingMemoryBound(to: UInt8.self), raw.count)
        }
    }
}
