import GatewayHTTP
import GatewaySSE
import GatewayUpstream
import Logging
import Metrics
import NIOCore

/// What both upstream sinks (shared and per-client) make of an origin's reports.
enum UpstreamReports {
    /// The origin's events as the gateway sends them, each with the origin's id. The origin's type is
    /// kept (`message`, the default, is not written); an event the gateway cannot send (a type or id with
    /// a line break) is dropped and logged, never passed on broken.
    static func sendable(_ events: [UpstreamEvent], logger: Logger) -> [(event: ServerSentEvent, id: String)] {
        events.compactMap { event in
            do {
                return (try ServerSentEvent(type: event.type == "message" ? nil : event.type, data: event.data), event.id)
            } catch {
                logger.warning("dropping an upstream event the gateway cannot send", metadata: ["error": "\(error)", "upstream_id": "\(event.id)"])
                return nil
            }
        }
    }

    /// One log line per state change; a per-client stream's are quieter (one line per client otherwise).
    /// Counted too: `ssegate_upstream_connects_total` and `ssegate_upstream_reconnects_total`, by `mode`.
    static func log(_ change: UpstreamStateChange, logger: Logger, perClient: Bool) {
        let mode = ("mode", perClient ? "per_client" : "shared")
        switch change {
        case .streaming: Counter(label: "ssegate_upstream_connects_total", dimensions: [mode]).increment()
        case .reconnecting: Counter(label: "ssegate_upstream_reconnects_total", dimensions: [mode]).increment()
        }
        switch change {
        case .streaming(let version):
            logger.log(level: perClient ? .debug : .info, "upstream connected", metadata: ["protocol": "\(version)"])
        case .reconnecting(let problem, let delay):
            // Subscribers stay open on heartbeats meanwhile; events resume from the last upstream id.
            logger.log(level: perClient ? .info : .warning, "upstream lost; reconnecting",
                       metadata: ["reason": "\(problem)", "retry_ms": "\(Int(delay / .milliseconds(1)))"])
        }
    }

    /// `event: stream-error` with `{"status":404,"reason":"…"}`: what a client's listener gets when the
    /// origin gives a final answer.
    static func errorEvent(_ problem: UpstreamProblem) -> ServerSentEvent {
        let data = JSONValue.object([
            ("status", problem.status.map { .int($0) } ?? .null),
            ("reason", .string(problem.description)),
        ]).text
        // The type is a constant and JSON text has no bare line break, so this cannot fail.
        return try! ServerSentEvent(type: ControlEvent.streamError, data: data)
    }
}
