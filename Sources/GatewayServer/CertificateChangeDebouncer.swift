/// When a watched certificate or key changed on disk, decides when to reload: after the files have been
/// quiet for the debounce time (certbot writes the chain and the key one after the other), and again
/// with a growing delay while the reload is refused (a half-written pair: key and certificate do not
/// match yet). No clock and no files inside: the watcher feeds it what it saw and when.
struct CertificateChangeDebouncer {
    /// What the watched files looked like (size, modification time, inode of each), compared as a whole.
    typealias Signature = [FileSignature]

    enum Action: Equatable {
        case nothing
        case reload
    }

    private enum State {
        /// The files are as the running certificates were loaded from.
        case steady(Signature)
        /// The files changed; reload once they have not changed for the debounce time.
        case settling(Signature, since: Duration)
        /// A reload is running for these files.
        case reloading(Signature, failures: Int)
        /// The reload was refused; try again at `retryAt` unless the files change first.
        case waitingToRetry(Signature, failures: Int, retryAt: Duration)
    }

    let debounce: Duration
    let firstRetryDelay: Duration
    let maximumRetryDelay: Duration
    private var state: State

    init(initial: Signature, debounce: Duration, firstRetryDelay: Duration, maximumRetryDelay: Duration = .seconds(60)) {
        self.debounce = debounce
        self.firstRetryDelay = firstRetryDelay
        self.maximumRetryDelay = maximumRetryDelay
        self.state = .steady(initial)
    }

    /// The watcher looked at the files at `now` (time since the watcher started).
    mutating func observed(_ signature: Signature, at now: Duration) -> Action {
        switch state {
        case .steady(let loaded):
            if signature != loaded { state = .settling(signature, since: now) }
            return .nothing
        case .settling(let seen, let since):
            guard signature == seen else {
                state = .settling(signature, since: now)
                return .nothing
            }
            guard now - since >= debounce else { return .nothing }
            state = .reloading(signature, failures: 0)
            return .reload
        case .reloading:
            return .nothing
        case .waitingToRetry(let seen, let failures, let retryAt):
            guard signature == seen else {
                state = .settling(signature, since: now)
                return .nothing
            }
            guard now >= retryAt else { return .nothing }
            state = .reloading(signature, failures: failures)
            return .reload
        }
    }

    /// The reload finished at `now`.
    mutating func reloadFinished(succeeded: Bool, at now: Duration) {
        guard case .reloading(let signature, let failures) = state else { return }
        guard !succeeded else {
            state = .steady(signature)
            return
        }
        let doublings = min(failures, 16)
        let delay = min(firstRetryDelay * (1 << doublings), maximumRetryDelay)
        state = .waitingToRetry(signature, failures: failures + 1, retryAt: now + delay)
    }

    /// Whether a refused reload is waiting to be tried again (tests and logs).
    var isWaitingToRetry: Bool {
        switch state {
        case .waitingToRetry: true
        case .steady, .settling, .reloading: false
        }
    }
}

/// One file's identity and version as `stat` reports it; a missing file has its own value, so a file that
/// disappears (certbot's rename) and comes back counts as a change.
struct FileSignature: Hashable {
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int
    var modifiedNanoseconds: Int

    static let missing = FileSignature(inode: 0, size: -1, modifiedSeconds: 0, modifiedNanoseconds: 0)
}
