/// Opening the streams, shared by every mode that subscribes: server memory before and after, how many
/// opened, how long it took.
struct SubscriptionPhase {
    let pool: SubscriberPool
    let sampler: ServerProcessSampler
    var before = ServerSample(rssBytes: 0, cpuSeconds: 0)
    var after = ServerSample(rssBytes: 0, cpuSeconds: 0)
    var failedConnections = 0
    var openedStreams = 0
    var failedStreams = 0
    var seconds = 0.0
    let requestedStreams: Int

    init(options: CommonOptions, run: UInt32) throws {
        let target = try options.target(run: run)
        self.pool = SubscriberPool(
            threads: options.threads, run: run, target: target, tls: try options.tlsContext(for: target.wireProtocol))
        self.sampler = ServerProcessSampler(pids: options.serverPid)
        let perConnection = target.wireProtocol == .h2 ? options.streams : 1
        self.requestedStreams = options.connections * perConnection
    }

    /// Opens everything, then waits `settle` seconds before sampling the server again.
    mutating func open(options: CommonOptions, settle: Double) {
        self.before = self.sampler.sample()
        let start = monotonicNanoseconds()
        self.failedConnections = self.pool.open(
            connections: options.connections, streamsPerConnection: options.streams,
            channelCount: max(1, options.channels), concurrency: options.concurrency, timeout: options.openTimeout)
        self.seconds = Double(monotonicNanoseconds() - start) / 1e9
        sleepSeconds(settle)
        self.openedStreams = self.pool.sum { $0.openedStreams }
        self.failedStreams = self.pool.sum { $0.failedStreams }
        self.after = self.sampler.sample()
    }

    func report(into report: inout Report) {
        report.set("streams_requested", self.requestedStreams)
        report.set("streams_open", self.openedStreams)
        report.set("streams_failed", self.failedStreams)
        report.set("connections_failed", self.failedConnections)
        report.set("open_seconds", self.seconds)
        if self.sampler.isEnabled {
            report.set("server_rss_before_mib", Double(self.before.rssBytes) / 1_048_576)
            report.set("server_rss_after_mib", Double(self.after.rssBytes) / 1_048_576)
            let perStream = Double(self.after.rssBytes - self.before.rssBytes) / Double(max(1, self.openedStreams))
            report.set("server_rss_per_stream_kib", perStream / 1024)
            report.set("server_cpu_open_seconds", self.after.cpuSeconds - self.before.cpuSeconds)
        }
    }
}
