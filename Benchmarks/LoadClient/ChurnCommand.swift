import ArgumentParser
import Dispatch
import GatewayTLS
import NIOCore
import NIOPosix

/// `churn`: new TLS connections as fast as `--workers` loops allow: connect, handshake, one HTTP/2 GET,
/// close; reports completed handshakes (and requests) per second. With `--resume` each worker offers the
/// session (TLS 1.3 ticket) of its previous connection, so every handshake after a worker's first is a PSK
/// resumption when the server accepts it; `resumed` counts those the server did accept.
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

    @Flag(help: "Offer the previous connection's session (TLS 1.3 ticket) on each worker's next connection.")
    var resume = false

    func run() throws {
        let target = try self.common.target(run: 0)
        guard let tls = try self.common.tlsContext(for: .h2) else { return }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: self.common.threads)
        defer { try? group.syncShutdownGracefully() }
        let sampler = ServerProcessSampler(pids: self.common.serverPid)
        let completed = ManagedCounter()
        let failed = ManagedCounter()
        let resumed = ManagedCounter()
        let finished = DispatchGroup()
        let serverStart = sampler.sample()
        let clientCPUStart = ownCPUSeconds()
        let start = monotonicNanoseconds()
        let deadline = start + UInt64(self.duration * 1e9)
        let path = self.requestPath
        let resume = self.resume

        /// `session`: what this worker's previous connection got from the server (with `--resume`).
        @Sendable func cycle(_ worker: Int, _ round: Int, _ session: TLSSession?) {
            let loop = group.next()
            let done = loop.makePromise(of: Void.self)
            let address = target.addresses[(worker + round) % target.addresses.count]
            let tlsHandler = NIOLoopBoundBox.makeEmptyBox(valueType: TLSHandler.self, eventLoop: loop)
            ClientBootstrap(group: loop)
                .connectTimeout(.seconds(10))
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = TLSHandler(context: tls, serverName: "localhost", resuming: session)
                        tlsHandler.value = handler
                        try channel.pipeline.syncOperations.addHandler(handler)
                        try channel.pipeline.syncOperations.addHandler(
                            ChurnHandler(path: path, authority: target.authority, done: done, resumed: resumed))
                    }
                }
                .connect(to: address)
                .flatMap { channel in
                    // The answer has arrived, so has the ticket sent before it: take the session before closing.
                    done.futureResult.map { resume ? tlsHandler.value?.resumableSession : nil }
                        .always { _ in channel.close(promise: nil) }
                }
                .whenComplete { result in
                    var next: TLSSession?
                    switch result {
                    case .success(let session):
                        completed.add(1)
                        next = session
                    case .failure:
                        done.fail(ChannelError.eof)
                        failed.add(1)
                    }
                    if monotonicNanoseconds() < deadline {
                        cycle(worker, round + 1, next)
                    } else {
                        finished.leave()
                    }
                }
        }
        for worker in 0..<self.workers {
            finished.enter()
            cycle(worker, 0, nil)
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
        report.set("resumed", resumed.value)
        report.set("handshakes_per_second", Double(completed.value) / seconds)
        report.set("client_cpu_seconds", ownCPUSeconds() - clientCPUStart)
        if sampler.isEnabled {
            let cpu = serverEnd.cpuSeconds - serverStart.cpuSeconds
            report.set("server_cpu_seconds", cpu)
            report.set("server_cpu_us_per_handshake", completed.value > 0 ? cpu * 1e6 / Double(completed.value) : 0)
        }
        print("churn \(self.common.label): \(self.workers) workers\(self.resume ? ", resuming sessions" : "")")
        report.print()
    }
}
