import ArgumentParser

/// `idle`: open C × M streams, hold them, report server memory per stream.
struct IdleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idle", abstract: "Open streams, hold them, report server RSS per stream.")

    @OptionGroup var common: CommonOptions

    @Option(help: "Seconds to hold the streams open after opening before sampling memory.")
    var hold: Double = 3

    func run() throws {
        let run = UInt32.random(in: 1...UInt32.max)
        var subscription = try SubscriptionPhase(options: self.common, run: run)
        let clientCPU = ownCPUSeconds()
        subscription.open(options: self.common, settle: self.hold)
        let stillOpen = subscription.openedStreams - subscription.pool.sum { $0.closedStreams }
        var report = Report()
        report.set("mode", "idle")
        report.set("label", self.common.label)
        report.set("protocol", self.common.protocolName)
        report.set("connections", self.common.connections)
        subscription.report(into: &report)
        report.set("streams_still_open", stillOpen)
        report.set("client_cpu_seconds", ownCPUSeconds() - clientCPU)
        print("idle \(self.common.label): \(self.common.connections) connections")
        report.print()
        subscription.pool.shutdown()
    }
}
