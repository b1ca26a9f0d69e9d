import NIOCore

/// The TLSHandler's lifecycle as data: one `mutating func` per event, each returning what to do.
/// The handler only carries out the actions, so the rules can be tested without OpenSSL.
///
///     idle ──active/first bytes──▶ handshaking ──complete──▶ active
///       │                             │                         │
///       └──────── close, error, timeout, EOF, removal ──────────┴──▶ closed
struct TLSHandlerStateMachine {
    enum State: Equatable {
        /// Added, but the channel is not active yet.
        case idle
        case handshaking
        case active
        /// close_notify sent or received, a fatal error, a timeout, or the channel went away.
        case closed
    }

    private(set) var state = State.idle

    enum StartAction: Equatable {
        case startHandshake
        case none
    }

    /// The channel became active (or already was when we were added).
    mutating func channelActive() -> StartAction {
        switch self.state {
        case .idle:
            self.state = .handshaking
            return .startHandshake
        case .handshaking, .active, .closed:
            return .none
        }
    }

    enum ReadAction: Equatable {
        case startHandshake
        case continueHandshake
        case readPlaintext
        case drop
    }

    /// Ciphertext arrived from the peer.
    mutating func ciphertextReceived() -> ReadAction {
        switch self.state {
        case .idle:
            self.state = .handshaking
            return .startHandshake
        case .handshaking: return .continueHandshake
        case .active: return .readPlaintext
        case .closed: return .drop  // after close_notify or a fatal error nothing more is meaningful
        }
    }

    enum CompletionAction: Equatable {
        /// Encrypt the writes buffered during the handshake, send, and announce the handshake.
        case announce
        case ignore
    }

    mutating func handshakeCompleted() -> CompletionAction {
        switch self.state {
        case .handshaking:
            self.state = .active
            return .announce
        case .idle, .active, .closed:
            return .ignore
        }
    }

    enum WriteAction: Equatable {
        case buffer
        case encrypt
        case fail
    }

    func writeRequested() -> WriteAction {
        switch self.state {
        case .idle, .handshaking: .buffer
        case .active: .encrypt
        case .closed: .fail
        }
    }

    enum FlushAction: Equatable {
        /// Everything buffered goes out as soon as the handshake completes.
        case wait
        case sendCiphertext
        case forward
    }

    func flushRequested() -> FlushAction {
        switch self.state {
        case .idle, .handshaking: .wait
        case .active: .sendCiphertext
        case .closed: .forward
        }
    }

    enum CloseAction: Equatable {
        case forward
        /// Send close_notify after any encrypted data, then close without waiting for the peer's.
        case sendCloseNotifyThenClose
        /// Nothing to say in TLS yet (or any more): drop buffered writes and close.
        case abandonThenClose
    }

    mutating func closeRequested(mode: CloseMode) -> CloseAction {
        switch (self.state, mode) {
        case (_, .input):
            return .forward
        case (.active, .all), (.active, .output):
            self.state = .closed
            return .sendCloseNotifyThenClose
        case (.idle, _), (.handshaking, _), (.closed, _):
            self.state = .closed
            return .abandonThenClose
        }
    }

    enum PeerCloseAction: Equatable {
        /// RFC 8446 §6.1: answer with our close_notify and close the transport.
        case replyThenClose
        case ignore
    }

    mutating func closeNotifyReceived() -> PeerCloseAction {
        switch self.state {
        case .active:
            self.state = .closed
            return .replyThenClose
        case .idle, .handshaking, .closed:
            return .ignore
        }
    }

    enum FailureAction: Equatable {
        /// Fail pending writes, fire the error, close.
        case reportAndClose
        /// Already closed: one error per connection is enough.
        case ignore
    }

    mutating func failed() -> FailureAction {
        switch self.state {
        case .idle, .handshaking, .active:
            self.state = .closed
            return .reportAndClose
        case .closed:
            return .ignore
        }
    }

    /// Only a handshake still in progress can time out.
    func handshakeTimedOut() -> Bool {
        switch self.state {
        case .handshaking: true
        case .idle, .active, .closed: false
        }
    }

    /// The channel went inactive or the handler was removed: nothing more can be sent or received.
    mutating func transportGone() {
        self.state = .closed
    }
}
