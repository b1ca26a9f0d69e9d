/// The blocking reader's life as data: whether a read is in flight, whether its connection is still being
/// opened (an interrupt then only has to stop it from being sent), and which connection to reuse.
///
/// Generic over the connection (a class in tests); `RedisBlockingReader` reports events and carries out
/// the returned actions.
struct RedisBlockingReaderStateMachine<Connection: AnyObject> {
    enum State {
        /// No read in flight; the open connection to reuse, if there is one.
        case idle(connection: Connection?)
        /// Read number `read` waits for its connection; `interrupted` once `interrupt` came meanwhile.
        case opening(read: Int, interrupted: Bool)
        /// Read number `read` was sent on `connection` and waits for its answer.
        case reading(read: Int, connection: Connection)
        case closed
    }

    enum ReadAction {
        case openConnection(read: Int)
        case send(read: Int, on: Connection)
        case fail(RedisBlockingReader.Failure)
    }

    enum OpenedAction {
        case send(on: Connection)
        /// Interrupted while opening: answer "no entries" without sending, keep the connection.
        case answerEmpty
        /// Closed while opening: close this connection and fail the read.
        case closeAndFail
    }

    enum InterruptAction {
        case nothingInFlight
        /// The read had not been sent yet and now will not block.
        case stoppedBeforeSending
        /// Send `CLIENT UNBLOCK` for this connection (retrying while `isWaiting(read:)`).
        case unblock(read: Int, connection: Connection)
    }

    private(set) var state: State = .idle(connection: nil)
    private var readsIssued = 0

    /// A read was asked for; `isOpen` says whether an idle connection can still be used.
    mutating func readRequested(isOpen: (Connection) -> Bool) -> ReadAction {
        switch self.state {
        case .idle(let connection):
            self.readsIssued += 1
            if let connection, isOpen(connection) {
                self.state = .reading(read: self.readsIssued, connection: connection)
                return .send(read: self.readsIssued, on: connection)
            }
            self.state = .opening(read: self.readsIssued, interrupted: false)
            return .openConnection(read: self.readsIssued)
        case .opening, .reading:
            return .fail(.readInProgress)
        case .closed:
            return .fail(.closed)
        }
    }

    mutating func connectionOpened(read: Int, _ connection: Connection) -> OpenedAction {
        switch self.state {
        case .opening(read, let interrupted):
            if interrupted {
                self.state = .idle(connection: connection)
                return .answerEmpty
            }
            self.state = .reading(read: read, connection: connection)
            return .send(on: connection)
        case .idle, .opening, .reading, .closed:
            return .closeAndFail
        }
    }

    mutating func connectionFailed(read: Int) {
        if case .opening(read, _) = self.state { self.state = .idle(connection: nil) }
    }

    /// The read's answer (or error) arrived.
    mutating func readEnded(read: Int) {
        if case .reading(read, let connection) = self.state { self.state = .idle(connection: connection) }
    }

    mutating func interruptRequested() -> InterruptAction {
        switch self.state {
        case .idle, .closed:
            return .nothingInFlight
        case .opening(let read, _):
            self.state = .opening(read: read, interrupted: true)
            return .stoppedBeforeSending
        case .reading(let read, let connection):
            return .unblock(read: read, connection: connection)
        }
    }

    /// Whether read number `read` is still waiting for its answer (an `UNBLOCK` retry is still useful).
    func isWaiting(read: Int) -> Bool {
        if case .reading(read, _) = self.state { return true }
        return false
    }

    /// Refuses reads from now on; returns the connection to close, if one is open.
    mutating func closeRequested() -> Connection? {
        let connection: Connection?
        switch self.state {
        case .idle(let idle): connection = idle
        case .reading(_, let reading): connection = reading
        case .opening, .closed: connection = nil
        }
        self.state = .closed
        return connection
    }
}
