import Logging
import Metrics

/// The deadlines that end a client for holding resources without making progress: a request head that
/// never completes, a request body that stops arriving, a stream whose queue the client stopped taking.
///
/// Each has one counter, `ssegate_deadlines_total{deadline}`, counted once per connection or stream it
/// ends (never per delivery), and one log line naming it.
public enum EdgeDeadline: String, Sendable, CaseIterable {
    /// The request head (HTTP/1.1 request line and headers, an HTTP/2 header block) did not complete in
    /// `limits.request_head_timeout`.
    case requestHead = "request_head"
    /// No byte of the request body arrived for `limits.request_body_timeout`.
    case requestBody = "request_body"
    /// No byte of a stream's queue could be sent for `streams.stall_timeout`.
    case streamStall = "stream_stall"

    /// Counts one connection or stream ended by this deadline and logs it with the connection's metadata
    /// (the handler's logger carries the remote address and connection id).
    func reached(_ logger: Logger, ended what: String, metadata: Logger.Metadata = [:]) {
        Counter(label: "ssegate_deadlines_total", dimensions: [("deadline", rawValue)]).increment()
        var metadata = metadata
        metadata["deadline"] = "\(rawValue)"
        logger.info("deadline reached, ending \(what)", metadata: metadata)
    }
}
