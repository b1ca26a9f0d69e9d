import GatewayUpstream
import Synchronization

/// Records what a source reports, for tests to wait on.
final class RecordingSink: UpstreamSink {
    private struct State {
        var events: [UpstreamEvent] = []
        var changes: [UpstreamStateChange] = []
        var failure: UpstreamProblem?
    }
    private let state = Mutex(State())

    var events: [UpstreamEvent] { state.withLock { $0.events } }
    var changes: [UpstreamStateChange] { state.withLock { $0.changes } }
    var failure: UpstreamProblem? { state.withLock { $0.failure } }
    var problems: [UpstreamProblem] {
        changes.compactMap { if case .reconnecting(let problem, _) = $0 { problem } else { nil } }
    }

    func upstreamReceived(_ events: [UpstreamEvent]) { state.withLock { $0.events += events } }
    func upstreamStateChanged(_ change: UpstreamStateChange) { state.withLock { $0.changes.append(change) } }
    func upstreamFailed(_ problem: UpstreamProblem) { state.withLock { $0.failure = problem } }

    /// Polls until `condition` holds, up to `timeout`.
    func wait(timeout: Duration = .seconds(10), _ condition: (RecordingSink) -> Bool) async -> Bool {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(self)
    }
}
