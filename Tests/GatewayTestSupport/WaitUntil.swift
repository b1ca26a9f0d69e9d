/// Polls `condition` until it holds or `timeout` passes, and answers whether it held: for state that
/// another process or an event loop changes (open streams at an origin, a child's pid file).
public func waitUntil(timeout: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
    let start = ContinuousClock.now
    while ContinuousClock.now - start < timeout {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
