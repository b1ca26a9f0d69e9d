import ArgumentParser
import Dispatch
import GatewayTLS
import NIOCore
import NIOPosix

/// `churn`: new TLS connections as fast as `--workers` loops allow: connect, handshake, one HTTP/2 GET,
/// close; reports completed handshakes (and requests) per second.
struct ChurnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "churn", abstract: "TLS handshakes per second: connect, handshake, one request, close.")

    @OptionGroup var common: CommonOptions

    @Option(help: "Seconds to run.")
    var duration: Double = 10

    @Option(help: "Connections in flight at once.")
    var workers: Int = 32

    @Option(help: "Path of the one request (an answer that ends, e.g. /healthz).")
    var requestPath: String = "/healthz"

    func run() throws {
        let target = try self.common.target(run: 0)
        guard let tls = try self.common.tlsContext(for: .h2) else { return }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: self.common.threads)
        defer { try? group.syncShutdownGracefully() }
        let sampler = ServerProcessSampler(pids: self.common.serverPid)
        let completed = ManagedCounter()
        let failed = ManagedCounter()
        let finished = DispatchGroup()
        let serverStart = sampler.sample()
        let clientCPUStart = ownCPUSeconds()
        let start = monotonicNanoseconds()
        let deadline = start + UInt64(self.duration * 1e9)
        let path = self.requestPath

        @Sendable func cycle(_ worker: Int, _ round: Int) {
            let loop = group.next()
            let done = loop.makePromise(of: Void.self)
            let address = target.addresses[(worker + round) % target.addresses.count]
            ClientBootstrap(group: loop)
                .connectTimeout(.seconds(10))
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(TLSHandler(context: tls, serverName: "localhost"))
                        try channel.pipeline.syncOperations.addHandler(
                            ChurnHandler(path: path, authority: target.authority, done: done))
                    }
                }
                .connect(to: address)
                .flatMap { channel in done.futureResult.always { _ in channel.close(promise: nil) } }
                .whenComplete { result in
                    switch result {
                    case .success: completed.add(1)
                    case .failure:
                        done.fail(ChannelError.eof)
                        failed.add(1)
                    }
                    if monotonicNanoseconds() < deadline {
                        cycle(worker, round + 1)
                    } else {
                        finished.leave()
                    }
                }
        }
        for worker in 0..<self.workers {
            finished.enter()
            cycle(worker, 0)
        }
        finished.wait()
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        let serverEnd = sampler.sample()

        var report = Report()
        report.set("mode", "churn")
        report.set("label", self.common.label)
        report.set("workers", self.workers)
        report.set("seconds", seconds)
        report.set("completed", completed.value)
        report.set("failed", failed.value)
        report.set("handshakes_per_second", Double(completed.value) / seconds)
        report.set("client_cpu_seconds", ownCPUSeconds() - clientCPUStart)
        if sampler.isEnabled {
            let cpu = serverEnd.cpuSeconds - serverStart.cpuSeconds
            report.set("server_cpu_seconds", cpu)
            report.set("server_cpu_us_per_handshake", completed.value > 0 ? cpu * 1e6 / Double(completed.value) : 0)
        }
        print("churn \(self.common.label): \(self.workers) workers")
        report.print()
    }
}
