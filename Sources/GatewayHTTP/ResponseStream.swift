import Logging

/// Makes a long-lived response body once the connection has a slot for it. The application's stream plan
/// is one; the protocol handlers know nothing else about it.
public protocol StreamOpener: Sendable {
    /// Called on the connection's loop after the response head is queued; the stream it returns is started
    /// at once (`start()`) and ended by the connection (`end(_:)`) or by itself (`StreamWriter.finish`).
    func open(_ writer: StreamWriter, loop: LoopServices) -> any ResponseStream
    /// Headers the stream's head carries besides `Response.eventStreamHeaders` (CORS); `[]` by default.
    var responseHeaders: [(name: String, value: String)] { get }
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
    /// The connection stopped taking the stream's bytes (an HTTP/1.1 socket that is no longer writable):
    /// the moment a stall begins, so its clock starts now rather than at the next heartbeat visit.
    func outboundBlocked()
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
    /// The token that authorized it expired; the client reconnects with a new one.
    case authExpired = "auth_expired"
    /// A reload removed its route (or the new rules no longer allow it); it ended with a `retry:` hint.
    case routeRemoved = "route_removed"
    /// No byte of its queue could be sent for `streams.stall_timeout` (a zero flow-control window, a
    /// client that stopped reading); it was reset or closed, and the client resumes from history.
    case stalled
}

/// A stream the loop's `HeartbeatWheel` visits: it sends a heartbeat when quiet, and may have an age limit.
public protocol TimedStream: AnyObject {
    var isOpen: Bool { get }
    /// The wheel tick of the stream's last write (see `StreamWriter.lastWriteTick`).
    var lastWriteTick: Int64 { get }
    /// Quiet for its heartbeat interval: write a comment so proxies and the client see it is alive.
    func heartbeatDue()
    /// Reached a deadline it was given with `HeartbeatWheel.schedule(_:for:after:)`.
    func deadlineReached(_ deadline: StreamDeadline)
    /// The wheel visits the stream for its heartbeat (before a heartbeat is written, if one is due): the
    /// moment to look at its queue for a stall without a timer of its own.
    func heartbeatVisited()
}

extension TimedStream {
    /// Streams that watch for nothing on a visit.
    public func heartbeatVisited() {}
}

/// A moment in a stream's life the wheel calls it at, one entry each, with no timer per stream.
public enum StreamDeadline: Sendable, Equatable {
    /// Its age limit: end cleanly so the client resumes (possibly elsewhere).
    case maxAge
    /// Some time before its token expires: tell the client, so it fetches a new token in time.
    case authExpiring
    /// Its token expired: end cleanly; the client reconnects with the new token and resumes.
    case authExpired
    /// A stall check (`StallWatch`): `sent` is the stream's sent-bytes mark (low 32 bits) first seen at
    /// wheel tick `since` with bytes queued. Carried in the wheel's entry, so a stream keeps no field for it.
    case stallCheck(sent: UInt32, since: Int32)
}
