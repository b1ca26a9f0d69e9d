import Logging

/// Makes a long-lived response body once the connection has a slot for it. The application's stream plan
/// is one; the protocol handlers know nothing else about it.
public protocol StreamOpener: Sendable {
    /// Called on the connection's loop after the response head is queued; the stream it returns is started
    /// at once (`start()`) and ended by the connection (`end(_:)`) or by itself (`StreamWriter.finish`).
    func open(_ writer: StreamWriter, loop: LoopServices) -> any ResponseStream
}

/// A long-lived response body seen from its connection.
public protocol ResponseStream: AnyObject {
    /// Begin writing (opening bytes, replay); runs right after `open`, in the same loop task.
    func start()
    /// The connection ends the stream (the client left, the server drains). Idempotent; the first reason
    /// is the one logged.
    func end(_ reason: StreamEndReason)
    /// The access log line's fields for this stream, the same for every protocol.
    var accessLogMetadata: Logger.Metadata { get }
}

/// Why a stream ended, from the server's side; the access log's `reason`.
public enum StreamEndReason: String, Sendable {
    case clientClosed = "client_closed"
    /// Its client fell more than the outbound budget behind.
    case slowConsumer = "slow_consumer"
    case draining
    case maxAge = "max_age"
    /// The application ended it (its channel closed, its upstream refused).
    case serverClosed = "server_closed"
    /// A reload removed its route (or the new rules no longer allow it); it ended with a `retry:` hint.
    case routeRemoved = "route_removed"
}

/// A stream the loop's `HeartbeatWheel` visits: it sends a heartbeat when quiet, and may have an age limit.
public protocol TimedStream: AnyObject {
    var isOpen: Bool { get }
    /// The wheel tick of the stream's last write (see `StreamWriter.lastWriteTick`).
    var lastWriteTick: Int64 { get }
    /// Quiet for its heartbeat interval: write a comment so proxies and the client see it is alive.
    func heartbeatDue()
    /// Reached its age limit: end cleanly so the client resumes (possibly elsewhere).
    func maxAgeReached()
}
