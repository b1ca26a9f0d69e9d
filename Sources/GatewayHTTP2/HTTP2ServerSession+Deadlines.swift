// The request deadlines on the session's side: which requests under assembly ran out of time. The
// connection handler asks (one timer per connection, only while requests are under assembly) and acts:
// an incomplete header block ends the connection (HPACK state cannot skip it), a stalled body resets
// only its stream.

/// A request under assembly that ran out of time.
public struct ExpiredRequest: Equatable, Sendable {
    public let stream: HTTP2StreamID
    /// The header block never completed (else: its body stopped arriving).
    public let headIncomplete: Bool
}

extension HTTP2ServerSession {
    /// Requests are being received (their deadlines need watching).
    public var hasPendingRequests: Bool { !self.pendingRequests.isEmpty }

    /// Requests under assembly whose head (`headTimeout` since the block began) or body (`bodyTimeout`
    /// since the last byte) ran out of time now, and the monotonic nanoseconds of the next deadline among
    /// the others. Expired body requests are forgotten here: the caller resets their streams.
    public func expiredRequests(headTimeout: UInt64, bodyTimeout: UInt64) -> (expired: [ExpiredRequest], next: UInt64?) {
        let now = self.now()
        var expired: [ExpiredRequest] = []
        var next: UInt64?
        for (id, pending) in self.pendingRequests {
            let deadline = pending.lastProgress &+ (pending.headComplete ? bodyTimeout : headTimeout)
            if deadline <= now {
                expired.append(ExpiredRequest(stream: HTTP2StreamID(id), headIncomplete: !pending.headComplete))
            } else {
                next = min(next ?? deadline, deadline)
            }
        }
        for request in expired where !request.headIncomplete {
            self.pendingRequests.removeValue(forKey: request.stream.rawValue)
        }
        return (expired.sorted { $0.stream.rawValue < $1.stream.rawValue }, next)
    }
}
