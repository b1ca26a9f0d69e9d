internal import CNGHTTP2

// Frames on closed streams, and stream ids that go backwards (RFC 9113 §5.1, §5.1.1).
//
// Maintainer note. RFC 9113 §5.1 wants frames that arrive on a stream after the peer ended it (END_STREAM
// or its RST_STREAM) answered with STREAM_CLOSED, and frames on a stream *we* reset ignored, because the
// peer may have sent them before our RST_STREAM reached it. nghttp2 1.52 makes exactly that distinction
// (`shut_flags & NGHTTP2_SHUT_RD` in `session_on_data_received_fail_fast` and
// `nghttp2_session_on_request_headers_received`), but only for streams it still holds. A closed stream is
// freed at once unless all of these hold (`nghttp2_session_close_stream`):
// - we did not send SETTINGS_NO_RFC7540_PRIORITIES = 1 (RFC 9218 §2.1), which frees streams unconditionally;
// - `nghttp2_option_set_no_closed_streams` is off;
// - the stream sits in the RFC 7540 dependency tree, which every stream does once the scheme is on.
// It then keeps at most SETTINGS_MAX_CONCURRENT_STREAMS minus the open streams
// (`nghttp2_session_adjust_closed_stream`), oldest freed first.
//
// So `retainsClosedStreams` (the default) stops advertising NO_RFC7540_PRIORITIES and lets nghttp2 keep
// them. What it costs, measured with the in-memory client (HTTP2ClosedStreamMemoryTests):
// - nothing per open (idle) stream: nghttp2 allocates the same stream object either way;
// - one nghttp2 stream object per retained closed stream, bounded per connection by the limit above;
// - the RFC 7540 scheme instead of RFC 9218's: PRIORITY frames are processed again (and counted against
//   `ignoredFrameRateBurst`), PRIORITY_UPDATE is dropped, and up to 100 idle streams named by PRIORITY
//   frames may be held (`nghttp2_session_adjust_idle_stream`). SSE responses are one stream each, so
//   scheduling between them by weight or by urgency makes no difference to us.
//
// §5.1.1's "stream identifier numerically smaller than previous" is the one check nghttp2 leaves out on
// purpose: it ignores a HEADERS frame on a lower id it holds nothing for, because the id may belong to a
// stream it reset and forgot (`nghttp2_session_on_request_headers_received`'s comment). With retention the
// streams we reset are still held, so a lower id nghttp2 knows nothing about was never opened, or closed
// long enough ago that `maxConcurrentStreams` newer streams closed since (RFC 9113 §5.1 lets an endpoint
// "limit the period over which it ignores frames"): a connection error of type PROTOCOL_ERROR.

extension HTTP2ServerSession {
    /// True when a HEADERS frame on `streamID` would open a stream below one the client already opened:
    /// an odd (client) id under the highest request seen, that nghttp2 holds no stream for (or only an idle
    /// one, created by a PRIORITY frame). Only while closed streams are retained; see the note above.
    func headersRegressStreamID(_ streamID: Int32) -> Bool {
        guard self.settings.retainsClosedStreams, streamID & 1 == 1, streamID < self.highestRequestStreamID else {
            return false
        }
        guard let stream = nghttp2_session_find_stream(self.session, streamID) else {
            return true
        }
        return nghttp2_stream_get_state(stream) == NGHTTP2_STREAM_STATE_IDLE
    }

    /// Ends the connection the way nghttp2 ends it for its own connection errors: GOAWAY with `errorCode`
    /// and the last processed stream id, after which nghttp2 reads nothing more and `wantsRead` and
    /// `wantsWrite` turn false once the GOAWAY is collected.
    func terminate(errorCode: UInt32) {
        _ = nghttp2_session_terminate_session(self.session, errorCode)
    }
}
