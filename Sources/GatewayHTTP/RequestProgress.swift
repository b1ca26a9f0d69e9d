import NIOCore

/// What an HTTP/1.1 connection is waiting for from its client, and since when: the data behind the
/// request-head and request-body deadlines.
///
/// Transitions: `waiting` → (bytes of a head arrive) `head` → (the head is complete) `body` → (the request
/// is complete) `waiting`. Body bytes move `body`'s mark forward; nothing else does, so a head trickled in
/// a byte at a time still has to complete within the head timeout.
struct RequestProgress: Equatable {
    enum Phase: Equatable {
        /// Between requests: the idle timer's business, not ours.
        case waiting
        /// Part of a head has arrived at `since`, the rest has not.
        case head(since: NIODeadline)
        /// The head is in; the last body byte (or the head) arrived at `lastByte`.
        case body(lastByte: NIODeadline)
    }

    private(set) var phase = Phase.waiting

    /// Bytes arrived that did not complete a head. Only the first such moment counts.
    mutating func headBytesArrived(at now: NIODeadline) {
        if case .waiting = phase { phase = .head(since: now) }
    }

    /// The head is complete; the body clock starts now.
    mutating func headReceived(at now: NIODeadline) {
        phase = .body(lastByte: now)
    }

    /// A body byte arrived.
    mutating func bodyBytesArrived(at now: NIODeadline) {
        if case .body = phase { phase = .body(lastByte: now) }
    }

    /// The request is complete (or the connection no longer reads requests).
    mutating func completed() {
        phase = .waiting
    }

    /// When the current phase runs out; nil while waiting.
    func deadline(headTimeout: TimeAmount, bodyTimeout: TimeAmount) -> NIODeadline? {
        switch phase {
        case .waiting: nil
        case .head(let since): since + headTimeout
        case .body(let lastByte): lastByte + bodyTimeout
        }
    }

    /// The deadline that has run out at `now`, if any.
    func expired(at now: NIODeadline, headTimeout: TimeAmount, bodyTimeout: TimeAmount) -> EdgeDeadline? {
        guard let deadline = deadline(headTimeout: headTimeout, bodyTimeout: bodyTimeout), deadline <= now else { return nil }
        if case .head = phase { return .requestHead }
        return .requestBody
    }
}
