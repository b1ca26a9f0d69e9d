/// Runs reloads one at a time, in the order they were asked for, even across their suspension points
/// (an actor alone would interleave two reloads at each `await`): a SIGHUP, a certificate change and an
/// admin request arriving together each apply in turn, each reading the files as they are then.
actor ReloadSerializer {
    private enum State {
        case idle
        /// A reload runs; these wait for their turn, first in line first.
        case running(waiting: [CheckedContinuation<Void, Never>])
    }

    private var state = State.idle

    func run<Result: Sendable>(_ body: @Sendable () async -> Result) async -> Result {
        switch state {
        case .idle:
            state = .running(waiting: [])
        case .running(let waiting):
            await withCheckedContinuation { continuation in
                state = .running(waiting: waiting + [continuation])
            }
        }
        let result = await body()
        finished()
        return result
    }

    /// Hands the turn to the next waiter (the state stays `running` for it), or goes idle.
    private func finished() {
        switch state {
        case .idle:
            break
        case .running(let waiting):
            guard let next = waiting.first else {
                state = .idle
                return
            }
            state = .running(waiting: Array(waiting.dropFirst()))
            next.resume()
        }
    }
}
