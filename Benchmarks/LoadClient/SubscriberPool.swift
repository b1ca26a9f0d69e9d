import Dispatch
import GatewayTLS
import NIOCore
import NIOPosix

/// Opens `connections × streamsPerConnection` subscriptions (HTTP/1.1: one per connection), at most
/// `concurrency` connections being set up at a time, spread over the loops of one group.
final class SubscriberPool: @unchecked Sendable {
    let group: MultiThreadedEventLoopGroup
    let loops: [EventLoop]
    let recorders: [LoopRecorder]
    let target: SubscriberTarget
    let tls: TLSClientContext?
    private var channels: [Channel] = []
    private let channelsLock = DispatchSemaphore(value: 1)

    init(threads: Int, run: UInt32, target: SubscriberTarget, tls: TLSClientContext?) {
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        self.loops = Array(self.group.makeIterator())
        self.recorders = self.loops.map { _ in LoopRecorder(run: run) }
        self.target = target
        self.tls = tls
    }

    /// Opens everything; returns the number of connections that failed. Streams are numbered globally and
    /// stream g subscribes to channel g % channelCount.
    func open(connections: Int, streamsPerConnection: Int, channelCount: Int, concurrency: Int,
              timeout: Double) -> Int {
        let slots = DispatchSemaphore(value: concurrency)
        let finished = DispatchGroup()
        let failures = ManagedCounter()
        let deadline = DispatchTime.now() + timeout
        for connection in 0..<connections {
            guard slots.wait(timeout: deadline) == .success else {
                failures.add(connections - connection)
                break
            }
            finished.enter()
            let streams = self.target.wireProtocol == .h2 ? streamsPerConnection : 1
            let requests = (0..<streams).map { stream in
                let global = connection * streams + stream
                return (path: self.target.path(channel: global % channelCount), channel: global % channelCount)
            }
            self.connect(index: connection, requests: requests).whenComplete { result in
                if case .failure = result { failures.add(1) }
                slots.signal()
                finished.leave()
            }
        }
        _ = finished.wait(timeout: deadline)
        return failures.value
    }

    private func connect(index: Int, requests: [(path: String, channel: Int)]) -> EventLoopFuture<Void> {
        let loop = self.loops[index % self.loops.count]
        let recorder = self.recorders[index % self.loops.count]
        let address = self.target.addresses[index % self.target.addresses.count]
        let ready = loop.makePromise(of: Void.self)
        let target = self.target
        let tls = self.tls
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            TLSHandler(context: tls, serverName: "localhost"))
                    }
                    let handler: ChannelHandler
                    if target.wireProtocol == .h2 {
                        handler = H2SubscriberHandler(
                            recorder: recorder, requests: requests, authority: target.authority, tls: tls != nil,
                            ready: ready)
                    } else {
                        handler = H1SubscriberHandler(
                            recorder: recorder, request: requests[0], authority: target.authority, tls: tls != nil,
                            ready: ready)
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        return bootstrap.connect(to: address).flatMap { channel in
            self.channelsLock.wait()
            self.channels.append(channel)
            self.channelsLock.signal()
            return ready.futureResult
        }.flatMapErrorThrowing { error in
            ready.fail(error)
            throw error
        }
    }

    /// Sums a value over all recorders, each read on its own loop.
    func sum(_ value: @escaping @Sendable (LoopRecorder) -> Int) -> Int {
        var total = 0
        for (loop, recorder) in zip(self.loops, self.recorders) {
            total += (try? loop.submit { value(recorder) }.wait()) ?? 0
        }
        return total
    }

    /// Runs `body` on each recorder's loop and waits.
    func forEachRecorder(_ body: @escaping @Sendable (LoopRecorder) -> Void) {
        for (loop, recorder) in zip(self.loops, self.recorders) {
            try? loop.submit { body(recorder) }.wait()
        }
    }

    /// Closes every connection and stops the group.
    func shutdown() {
        self.channelsLock.wait()
        let channels = self.channels
        self.channels = []
        self.channelsLock.signal()
        for channel in channels {
            channel.close(promise: nil)
        }
        try? self.group.syncShutdownGracefully()
    }
}

/// A counter shared between callbacks on several loops.
final class ManagedCounter: @unchecked Sendable {
    private let lock = DispatchSemaphore(value: 1)
    private var count = 0

    func add(_ amount: Int) {
        self.lock.wait()
        self.count += amount
        self.lock.signal()
    }

    var value: Int {
        self.lock.wait()
        defer { self.lock.signal() }
        return self.count
    }
}
