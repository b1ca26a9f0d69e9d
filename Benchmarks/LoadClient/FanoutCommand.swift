import ArgumentParser

/// `fanout`: C connections × M streams on one or more channels, publishes at a rate for a duration.
struct FanoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanout", abstract: "Subscribe, publish N events/s for D seconds, report latency and losses.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var publish: PublishOptions

    func run() throws {
        let report = try FanoutRun(common: self.common, publish: self.publish, verified: false, mode: "fanout").execute()
        print("fanout \(self.common.label): \(self.common.connections) connections")
        report.print()
    }
}

/// `large`: 200 KB events to 50 streams on one connection, each checked against its checksum.
struct LargeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "large", abstract: "Large events to many streams of one connection; every event checked intact.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var publish: PublishOptions

    mutating func run() throws {
        let report = try FanoutRun(common: self.common, publish: self.publish, verified: true, mode: "large").execute()
        print("large \(self.common.label): \(self.common.connections) × \(self.common.streams) streams, \(self.publish.size) bytes")
        report.print()
    }
}
