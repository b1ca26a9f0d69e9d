import GatewayApp
import GatewayHTTP
import Logging
import NIOCore

extension GatewayServer {
    /// Shuts down without sending every client back at the same moment: stops accepting, sends GOAWAY
    /// (HTTP/2) so no new stream starts here, then ends the open streams one by one at random moments
    /// spread over the drain window (`drain.window`, at most half of `deadline`), each with a `retry:`
    /// hint. Returns when every connection is closed, or at `deadline`, when what remains is cut.
    /// `/readyz` answers 503 from the first moment, so a load balancer stops sending new clients.
    ///
    /// Why paced: 100,000 streams ended at once are 100,000 reconnects (and TLS handshakes) in the same
    /// second at the next instance; spread over ten seconds they are 10,000 a second.
    public func drain(deadline: Duration) async {
        readiness.markDraining()
        let start = ContinuousClock.now
        let (listeners, sweeper, tasks) = state.withLock { state in
            defer { state.listeners = []; state.sweeper = nil; state.tasks = []; state.stopped = true }
            return (state.listeners, state.sweeper, state.tasks)
        }
        sweeper?.cancel()
        for task in tasks { task.cancel() }
        upstreams.stop()
        for listener in listeners { try? await listener.channel.close() }
        let open = registry.channels
        let window = min(configuration.drain.window, deadline / 2)
        for channel in open { channel.pipeline.fireUserInboundEventTriggered(GoAwayEvent()) }
        let paced = (try? await OpenStreamSweep.paceEnds(over: window, on: loops.all)?.get()) ?? 0
        logger.notice("draining", metadata: ["connections": "\(open.count)", "streams": "\(paced)", "window": "\(window)"])
        while registry.count > 0, ContinuousClock.now - start < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let remaining = registry.channels
        if !remaining.isEmpty {
            logger.warning("drain deadline reached; closing what remains", metadata: ["connections": "\(remaining.count)"])
        }
        for channel in remaining { channel.pipeline.fireUserInboundEventTriggered(DrainEvent()) }
        try? await Task.sleep(for: .milliseconds(100))
        for channel in registry.channels { try? await channel.close() }
        await shutDownLoops()
    }
}
