import NIOCore

/// The life of one connection as data: which commands wait for a reply (in the order they were written,
/// which is the order Redis answers them), and whether new ones are still accepted.
///
/// Generic over what a waiting command is (a promise in the handler, a plain value in tests). The handler
/// reports events and carries out the returned action; it makes no decision of its own.
struct RedisConnectionStateMachine<Pending> {
    enum State {
        /// Accepting commands; `pending` awaits replies, oldest first.
        case open(pending: CircularBuffer<Pending>)
        /// `close()` was called: no new commands, the channel closes once `pending` is answered.
        case closing(pending: CircularBuffer<Pending>)
        /// Nothing more will be answered; new commands fail with `error`.
        case closed(error: RedisConnectionError)
        /// Only inside a mutating method, while `pending` is out of the enum: the state then holds no
        /// second reference to the queue, so appending and popping change it in place instead of copying
        /// it (a copy per command makes pipelining quadratic).
        case modifying
    }

    enum SubmitAction {
        /// Write the command; it now waits for a reply.
        case write
        case fail(RedisConnectionError)
    }

    enum ReplyAction {
        /// The reply answers this command.
        case deliver(Pending, RESPValue)
        /// ... and it was the last one awaited after `close()`.
        case deliverThenClose(Pending, RESPValue)
        /// RESP3 out-of-band data (no `SUBSCRIBE` or `CLIENT TRACKING` is ever issued, so none is expected).
        case ignore
        /// A reply no command waits for: the stream is out of step; close the channel.
        case closeOutOfStep
    }

    enum CloseAction {
        case closeChannel
        /// Replies are still due; the last one closes the channel.
        case waitForReplies
        case alreadyClosed
    }

    private(set) var state: State = .open(pending: CircularBuffer(initialCapacity: 16))

    /// The command the next reply answers.
    var oldestPending: Pending? {
        switch self.state {
        case .open(let pending), .closing(let pending): return pending.first
        case .closed: return nil
        case .modifying: preconditionFailure("state read while modifying")
        }
    }

    var pendingCount: Int {
        switch self.state {
        case .open(let pending), .closing(let pending): return pending.count
        case .closed: return 0
        case .modifying: preconditionFailure("state read while modifying")
        }
    }

    mutating func commandSubmitted(_ command: Pending) -> SubmitAction {
        switch self.state {
        case .open(var pending):
            self.state = .modifying
            pending.append(command)
            self.state = .open(pending: pending)
            return .write
        case .closing:
            return .fail(.closing)
        case .closed(let error):
            return .fail(error)
        case .modifying:
            preconditionFailure("re-entered while modifying")
        }
    }

    mutating func replyReceived(_ reply: RESPValue) -> ReplyAction {
        if case .push = reply { return .ignore }
        switch self.state {
        case .open(var pending):
            self.state = .modifying
            guard let command = pending.popFirst() else {
                self.state = .closed(error: .unexpectedReply)
                return .closeOutOfStep
            }
            self.state = .open(pending: pending)
            return .deliver(command, reply)
        case .closing(var pending):
            self.state = .modifying
            guard let command = pending.popFirst() else {
                self.state = .closed(error: .unexpectedReply)
                return .closeOutOfStep
            }
            if pending.isEmpty {
                self.state = .closed(error: .closing)
                return .deliverThenClose(command, reply)
            }
            self.state = .closing(pending: pending)
            return .deliver(command, reply)
        case .closed:
            return .ignore
        case .modifying:
            preconditionFailure("re-entered while modifying")
        }
    }

    mutating func closeRequested() -> CloseAction {
        switch self.state {
        case .open(let pending):
            if pending.isEmpty {
                self.state = .closed(error: .closing)
                return .closeChannel
            }
            self.state = .closing(pending: pending)
            return .waitForReplies
        case .closing:
            return .waitForReplies
        case .closed:
            return .alreadyClosed
        case .modifying:
            preconditionFailure("re-entered while modifying")
        }
    }

    /// The connection broke (`error`: protocol violation, TLS failure) or ended; returns the commands
    /// that will never be answered, to fail with the error the state now holds.
    mutating func connectionEnded(_ error: RedisConnectionError) -> (unanswered: CircularBuffer<Pending>, error: RedisConnectionError) {
        switch self.state {
        case .open(let pending), .closing(let pending):
            self.state = .closed(error: error)
            return (pending, error)
        case .closed(let earlier):
            // A first error (say a protocol violation) stays the reason; the close that follows adds nothing.
            return ([], earlier)
        case .modifying:
            preconditionFailure("re-entered while modifying")
        }
    }
}
