/// When the node's one reader reads, interrupts, backs off and checks its channels' lives: the rules of
/// `RedisChannelReader`, as data.
///
///     idle ──channelsChanged──▶ reading ──read ended──▶ reading (again, with the current set) or idle
///                                  │  channelsChanged: interrupt once (CLIENT UNBLOCK), then re-read
///                                  └─read failed──▶ waitingToRetry ──timer──▶ reading (check lives first)
///     any ──stop──▶ stopped
struct RedisReaderStateMachine: Equatable {
    enum State: Equatable {
        /// No channel to read.
        case idle
        /// One `XREAD BLOCK` in flight; `interrupted` once an interrupt was sent for it; `failures` in a
        /// row before it (0 once a read succeeded), so the next failure backs off further.
        case reading(interrupted: Bool, failures: Int)
        /// The last read failed (`failures` in a row); a timer will read again.
        case waitingToRetry(failures: Int)
        case stopped
    }

    enum Action: Equatable {
        /// Issue a read of the current set; `checkLivesFirst` after a failure (Redis may have restarted).
        case read(checkLivesFirst: Bool)
        /// Wake the read in flight so it is re-issued with the new set.
        case interrupt
        /// Read again after a backoff for this many consecutive failures.
        case scheduleRetry(failures: Int)
        case none
    }

    private(set) var state: State = .idle

    mutating func channelsChanged(hasChannels: Bool) -> Action {
        switch state {
        case .idle:
            guard hasChannels else { return .none }
            state = .reading(interrupted: false, failures: 0)
            return .read(checkLivesFirst: false)
        case .reading(let interrupted, let failures):
            guard !interrupted else { return .none }
            state = .reading(interrupted: true, failures: failures)
            return .interrupt
        case .waitingToRetry, .stopped:
            return .none
        }
    }

    mutating func readSucceeded(hasChannels: Bool) -> Action {
        switch state {
        case .reading:
            guard hasChannels else {
                state = .idle
                return .none
            }
            state = .reading(interrupted: false, failures: 0)
            return .read(checkLivesFirst: false)
        case .idle, .waitingToRetry, .stopped:
            return .none
        }
    }

    mutating func readFailed() -> Action {
        switch state {
        case .reading(_, let failures):
            state = .waitingToRetry(failures: failures + 1)
            return .scheduleRetry(failures: failures + 1)
        case .idle, .waitingToRetry, .stopped:
            return .none
        }
    }

    /// The retry timer fired: read again (checking lives first), or rest if nothing is subscribed now.
    mutating func retryTimerFired(hasChannels: Bool) -> Action {
        switch state {
        case .waitingToRetry(let failures):
            guard hasChannels else {
                state = .idle
                return .none
            }
            state = .reading(interrupted: false, failures: failures)
            return .read(checkLivesFirst: true)
        case .idle, .reading, .stopped:
            return .none
        }
    }

    mutating func stopRequested() {
        state = .stopped
    }
}
