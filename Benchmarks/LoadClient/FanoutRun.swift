/// Subscribe, publish at a rate, drain, and account: the body of `fanout` and `large`.
struct FanoutRun {
    let common: CommonOptions
    let publish: PublishOptions
    let verified: Bool
    let mode: String

    func execute() throws -> Report {
        let run = UInt32.random(in: 1...UInt32.max)
        var subscription = try SubscriptionPhase(options: self.common, run: run)
        defer { subscription.pool.shutdown() }
        subscription.open(options: self.common, settle: 1)

        let channelCount = max(1, self.common.channels)
        let publisher = Publisher(
            endpoint: try self.publish.endpoint(), run: run, channelPrefix: subscription.pool.target.channelPrefix,
            channelCount: channelCount, size: self.publish.size, verified: self.verified)
        defer { publisher.shutdown() }
        try publisher.connect(count: self.publish.publishConnections)

        let clientCPUStart = ownCPUSeconds()
        let serverStart = subscription.sampler.sample()
        let start = monotonicNanoseconds()
        try publisher.publish(rate: self.publish.rate, seconds: self.publish.duration)
        let publishEnd = monotonicNanoseconds()
        let accepted = publisher.read { $0.accepted }

        // Expected deliveries: every stream that opened gets every accepted publish of its channel.
        let expected = subscription.pool.sum { recorder in
            recorder.streams.reduce(0) { $0 + ($1.opened ? accepted[$1.channel] : 0) }
        }
        let drainDeadline = monotonicNanoseconds() + UInt64(self.publish.drain * 1e9)
        var delivered = 0
        while true {
            delivered = subscription.pool.sum { recorder in recorder.streams.reduce(0) { $0 + $1.received } }
            if delivered >= expected || monotonicNanoseconds() >= drainDeadline { break }
            sleepSeconds(0.05)
        }
        let serverEnd = subscription.sampler.sample()
        let clientCPU = ownCPUSeconds() - clientCPUStart
        let pool = subscription.pool
        let lastReceive = pool.recorders.indices.map { index in
            (try? pool.loops[index].submit { pool.recorders[index].lastReceiveNanoseconds }.wait()) ?? 0
        }.max() ?? 0

        var latency = LatencyHistogram()
        var sendLatency = LatencyHistogram()
        var duplicates = 0
        var corrupt = 0
        var stale = 0
        var closedEarly = 0
        for (loop, recorder) in zip(subscription.pool.loops, subscription.pool.recorders) {
            let part = try loop.submit {
                (recorder.latency, recorder.sendLatency, recorder.streams.reduce(0) { $0 + $1.duplicates },
                 recorder.streams.reduce(0) { $0 + $1.corrupt }, recorder.closedStreams,
                 recorder.streams.reduce(0) { $0 + $1.stale })
            }.wait()
            latency.add(part.0)
            sendLatency.add(part.1)
            duplicates += part.2
            corrupt += part.3
            closedEarly += part.4
            stale += part.5
        }

        var report = Report()
        report.set("mode", self.mode)
        report.set("label", self.common.label)
        report.set("protocol", self.common.protocolName)
        report.set("connections", self.common.connections)
        report.set("channels", channelCount)
        report.set("rate", self.publish.rate)
        report.set("duration", self.publish.duration)
        report.set("size", self.publish.size)
        subscription.report(into: &report)
        let published = accepted.reduce(0, +)
        report.set("published", published)
        report.set("publish_failed", publisher.read { $0.failed })
        report.set("publish_max_backlog", publisher.read { $0.maxBacklog })
        report.set("publish_rate_achieved", publisher.read { $0.achievedRate })
        report.set("deliveries_expected", expected)
        report.set("delivered", delivered)
        report.set("lost", expected - delivered)
        report.set("duplicated", duplicates)
        report.set("stale", stale)
        report.set("corrupt", corrupt)
        report.set("streams_closed_early", closedEarly)
        let spanSeconds = Double(max(lastReceive, publishEnd) - start) / 1e9
        report.set("deliveries_per_second", Double(delivered) / max(spanSeconds, 1e-9))
        report.set("latency_p50_ms", latency.milliseconds(atPercentile: 50))
        report.set("latency_p99_ms", latency.milliseconds(atPercentile: 99))
        report.set("latency_p999_ms", latency.milliseconds(atPercentile: 99.9))
        report.set("latency_max_ms", latency.maxMilliseconds)
        report.set("send_latency_p50_ms", sendLatency.milliseconds(atPercentile: 50))
        report.set("send_latency_p99_ms", sendLatency.milliseconds(atPercentile: 99))
        report.set("client_cpu_seconds", clientCPU)
        if subscription.sampler.isEnabled {
            let cpu = serverEnd.cpuSeconds - serverStart.cpuSeconds
            report.set("server_cpu_seconds", cpu)
            report.set("server_cpu_us_per_delivery", delivered > 0 ? cpu * 1e6 / Double(delivered) : 0)
            report.set("deliveries_per_server_cpu_second", cpu > 0 ? Double(delivered) / cpu : 0)
        }
        return report
    }
}
