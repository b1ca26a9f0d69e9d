/// The pool's slots and waiting commands as data: which slot is connected, connecting or backing off,
/// and whether a command is sent, held for a first attempt, or refused at once.
///
/// Rule for failing fast: a command waits only while some slot is on its first attempt since it was last
/// healthy (`connecting(failures: 0)`: the client just started, or a connection just dropped and is being
/// replaced at once). Once every slot has failed and is backing off, Redis is down and commands fail with
/// `RedisUnavailable` until a slot connects again. Waiting is bounded by the connect timeout.
struct RedisPoolStateMachine<Connection: AnyObject, Waiter> {
    enum Slot {
        case idle
        /// An attempt is under way; `failures` attempts failed in a row before it.
        case connecting(failures: Int)
        case connected(Connection)
        /// Waiting out the backoff before the next attempt.
        case backingOff(failures: Int)
        case stopped
    }

    enum Action {
        case connect(slot: Int)
        case scheduleReconnect(slot: Int, after: Duration)
        case send([Waiter], on: Connection)
        case failUnavailable([Waiter])
        case close([Connection])
    }

    private(set) var slots: [Slot]
    private var waiters: [Waiter] = []
    private var nextSlot = 0
    private var shutDown = false
    private let backoff: RedisBackoff

    init(size: Int, backoff: RedisBackoff) {
        precondition(size > 0, "a pool needs at least one connection")
        self.slots = Array(repeating: .idle, count: size)
        self.backoff = backoff
    }

    var connectedCount: Int {
        self.slots.reduce(0) { count, slot in
            if case .connected = slot { return count + 1 }
            return count
        }
    }

    mutating func start() -> [Action] {
        guard !self.shutDown else { return [] }
        var actions: [Action] = []
        for index in self.slots.indices {
            guard case .idle = self.slots[index] else { continue }
            self.slots[index] = .connecting(failures: 0)
            actions.append(.connect(slot: index))
        }
        return actions
    }

    /// A command wants a connection: the next connected slot in turn (pipelining makes sharing cheap).
    mutating func commandArrived(_ waiter: Waiter) -> Action? {
        if let connection = self.nextConnected() { return .send([waiter], on: connection) }
        if !self.shutDown, self.hasFirstAttemptUnderWay {
            self.waiters.append(waiter)
            return nil
        }
        return .failUnavailable([waiter])
    }

    mutating func connectSucceeded(slot: Int, _ connection: Connection) -> [Action] {
        guard case .connecting = self.slots[slot] else { return [.close([connection])] }  // stopped meanwhile
        self.slots[slot] = .connected(connection)
        guard !self.waiters.isEmpty else { return [] }
        let waiting = self.waiters
        self.waiters = []
        return [.send(waiting, on: connection)]
    }

    mutating func connectFailed(slot: Int) -> [Action] {
        guard case .connecting(let failures) = self.slots[slot] else { return [] }
        self.slots[slot] = .backingOff(failures: failures + 1)
        var actions: [Action] = [.scheduleReconnect(slot: slot, after: self.backoff.delay(afterFailures: failures + 1))]
        if !self.hasFirstAttemptUnderWay, !self.waiters.isEmpty {
            actions.append(.failUnavailable(self.waiters))
            self.waiters = []
        }
        return actions
    }

    /// A connected slot's connection ended: replace it at once (a failure after that backs off).
    mutating func connectionClosed(slot: Int, _ connection: Connection) -> [Action] {
        guard case .connected(let current) = self.slots[slot], current === connection else { return [] }
        self.slots[slot] = .connecting(failures: 0)
        return [.connect(slot: slot)]
    }

    mutating func reconnectTimerFired(slot: Int) -> [Action] {
        guard case .backingOff(let failures) = self.slots[slot] else { return [] }
        self.slots[slot] = .connecting(failures: failures)
        return [.connect(slot: slot)]
    }

    /// Closes the open connections and refuses every command from now on; attempts still under way close
    /// their connection when they succeed.
    mutating func shutdownRequested() -> [Action] {
        self.shutDown = true
        var open: [Connection] = []
        for index in self.slots.indices {
            if case .connected(let connection) = self.slots[index] { open.append(connection) }
            self.slots[index] = .stopped
        }
        var actions: [Action] = [.close(open)]
        if !self.waiters.isEmpty {
            actions.append(.failUnavailable(self.waiters))
            self.waiters = []
        }
        return actions
    }

    private var hasFirstAttemptUnderWay: Bool {
        self.slots.contains { slot in
            if case .connecting(failures: 0) = slot { return true }
            return false
        }
    }

    private mutating func nextConnected() -> Connection? {
        for offset in 0..<self.slots.count {
            let index = (self.nextSlot + offset) % self.slots.count
            if case .connected(let connection) = self.slots[index] {
                self.nextSlot = (index + 1) % self.slots.count
                return connection
            }
        }
        return nil
    }
}
