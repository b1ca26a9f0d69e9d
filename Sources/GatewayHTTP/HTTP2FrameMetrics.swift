import GatewayHTTP2
import Metrics

/// GOAWAY and RST_STREAM frames by direction and error code: `ssegate_http2_goaway_frames_total` and
/// `ssegate_http2_rst_stream_frames_total`.
///
/// Counted from the session's tally once per `handleSessionEvents` (after each read and each write),
/// never on the delivery path; the counter is looked up when a frame happened, which is rare.
enum HTTP2FrameMetrics {
    static func count(_ frames: [HTTP2ControlFrame]) {
        for frame in frames {
            Counter(label: "ssegate_http2_\(frame.kind.rawValue)_frames_total",
                    dimensions: [("direction", frame.direction.rawValue), ("error_code", frame.errorName)]).increment()
        }
    }
}
