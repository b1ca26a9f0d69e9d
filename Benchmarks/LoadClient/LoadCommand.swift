import ArgumentParser

/// `ssegate-load`: a load client for SSE servers (ssegate, nginx + nchan) over TLS HTTP/2 or HTTP/1.1.
/// See BENCHMARKS.md for the scenarios and `Benchmarks/run.sh` for how they are run side by side.
@main
struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssegate-load",
        abstract: "Open many SSE streams, publish, and measure latency, losses, server CPU and memory.",
        subcommands: [FanoutCommand.self, IdleCommand.self, ChurnCommand.self, LargeCommand.self],
        defaultSubcommand: FanoutCommand.self)
}
