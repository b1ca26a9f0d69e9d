import Foundation
import GatewayTestSupport
import GatewayHub
import GatewayHubRedis
import GatewayRedis
import GatewaySSE
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// Two engines ("nodes") in this process on one real redis-server: ids agree, the hand-over is exact
/// while publishes race with subscribes, and idempotency keys hold across nodes.
@Suite(.serialized, .enabled(if: LiveRedis.mustRun, "redis-server is not installed (make deps installs it; CI=true makes this a failure)"))
struct RedisEngineLiveTests {
    /// Collects what one subscriber receives, on its loop.
    final class Collector: HubSubscriber, @unchecked Sendable {
        let received = Mutex<[EventCursor]>([])
        var session: String? { nil }
        func receive(_ event: EncodedEvent, channel: String) { received.withLock { $0.append(event.cursor) } }
    }

    static func engine(_ redis: LiveRedis, prefix: String, loop: any EventLoop) -> RedisEngine {
        let url = RedisURL(host: "127.0.0.1", port: redis.port)
        let engine = RedisEngine(configuration: RedisEngineConfiguration(client: RedisClientConfiguration(connection: RedisConnectionConfiguration(url: url, connectTimeout: .seconds(10))), keyPrefix: prefix), eventLoop: loop)
        engine.start()
        return engine
    }

    @Test func subscribersJoiningOnAnotherNodeWhilePublishesRaceGetContiguousSequences() async throws {
        let redis = try await LiveRedis.start()
        defer { redis.stop() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let prefix = "live\(UInt32.random(in: 0...UInt32.max))"
        let a = Self.engine(redis, prefix: prefix, loop: group.next())
        let b = Self.engine(redis, prefix: prefix, loop: group.next())
        let loop = group.next()
        var published: [EventCursor] = []
        var joins: [(Collector, EventCursor?, SubscribeResult)] = []
        for number in 1...120 {
            let event = try ServerSentEvent(data: "e\(number)")
            let result = try await a.publish([event], to: "race", options: PublishOptions(), on: loop).get()
            published += result.cursors
            if number % 10 == 0 {
                // Resume on node B after a random earlier event (or live), while A keeps publishing.
                let after = Bool.random() ? published.randomElement() : nil
                let collector = Collector()
                let start: StartPosition = after.map { .after($0) } ?? .live
                let joined = try await loop.flatSubmit { b.subscribe(collector, to: "race", on: loop, from: start, limits: nil) }.get()
                joins.append((collector, after, joined))
            }
        }
        let last = try #require(published.last)
        for (collector, after, joined) in joins {
            let first = (after ?? joined.position).sequence + 1
            // A live join after the last publish expects nothing.
            let expected: [UInt64] = first <= last.sequence ? Array(first...last.sequence) : []
            let deadline = ContinuousClock.now + .seconds(10)
            while !expected.isEmpty, (joined.replay.last?.cursor ?? collector.received.withLock({ $0.last })) != last,
                  collector.received.withLock({ $0.last }) != last, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let all = joined.replay.map(\.cursor) + collector.received.withLock { $0 }
            #expect(joined.gap == nil)
            #expect(all.map(\.sequence) == expected, "after \(String(describing: after)): \(all.map(\.sequence))")
            #expect(all.allSatisfy { $0.epoch == last.epoch })
        }
        for (_, _, joined) in joins { try await loop.submit { joined.subscription.cancel() }.get() }
        try await a.shutdown().get()
        try await b.shutdown().get()
        try await group.shutdownGracefully()
    }

    @Test func idempotencyKeysAndIdsAreSharedByEveryNode() async throws {
        let redis = try await LiveRedis.start()
        defer { redis.stop() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let prefix = "idem\(UInt32.random(in: 0...UInt32.max))"
        let a = Self.engine(redis, prefix: prefix, loop: group.next())
        let b = Self.engine(redis, prefix: prefix, loop: group.next())
        let loop = group.next()
        let options = PublishOptions(idempotencyKey: "k")
        let first = try await a.publish([try ServerSentEvent(data: "x"), try ServerSentEvent(data: "y")], to: "c", options: options, on: loop).get()
        let again = try await b.publish([try ServerSentEvent(data: "x"), try ServerSentEvent(data: "y")], to: "c", options: options, on: loop).get()
        #expect(first.cursors.count == 2 && !first.replayed)
        #expect(again.cursors == first.cursors && again.replayed)
        let next = try await b.publish([try ServerSentEvent(data: "z")], to: "c", options: PublishOptions(), on: loop).get()
        #expect(next.cursors == [EventCursor(epoch: first.cursors[0].epoch, sequence: 3)])
        try await a.shutdown().get()
        try await b.shutdown().get()
        try await group.shutdownGracefully()
    }

    @Test func publishesFailAsUnavailableWhileRedisIsDown() async throws {
        let redis = try await LiveRedis.start()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let a = Self.engine(redis, prefix: "down", loop: group.next())
        _ = try await a.publish([try ServerSentEvent(data: "x")], to: "c", options: PublishOptions(), on: group.next()).get()
        redis.stop()
        try await Task.sleep(for: .milliseconds(200))
        await #expect(throws: HubEngineUnavailable.self) {
            try await a.publish([try ServerSentEvent(data: "y")], to: "c", options: PublishOptions(), on: group.next()).get()
        }
        try await a.shutdown().get()
        try await group.shutdownGracefully()
    }
}

/// A redis-server of one test: free port, temporary folder, no persistence; stopped by its PID.
final class LiveRedis: Sendable {
    let port: Int
    let directory: URL
    private let process: Process
    static let mustRun = FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server") || ProcessInfo.processInfo.environment["CI"] == "true"

    private init(port: Int, directory: URL, process: Process) {
        self.port = port
        self.directory = directory
        self.process = process
    }

    /// The port is one the kernel just handed out, and readiness is redis's own log line: a probe that
    /// only connects could reach another test's listener that took a randomly chosen port.
    static func start() async throws -> LiveRedis {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-engine-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let log = directory.appendingPathComponent("redis.log")
        for _ in 0..<5 {  // a free port may be taken by another suite between the pick and redis's bind
            let port = try FreePorts.pick(1)[0]
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
            process.arguments = ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no", "--dir", directory.path,
                                 "--logfile", log.path, "--daemonize", "no"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            let offset = (try? Data(contentsOf: log).count) ?? 0
            try process.run()
            let server = LiveRedis(port: port, directory: directory, process: process)
            let deadline = ContinuousClock.now + .seconds(10)
            while process.isRunning, ContinuousClock.now < deadline {
                let fresh = String(decoding: ((try? Data(contentsOf: log)) ?? Data()).dropFirst(offset), as: UTF8.self)
                if fresh.contains("Ready to accept connections") { return server }
                try await Task.sleep(for: .milliseconds(20))
            }
            server.kill()
        }
        throw RedisUnavailable(lastError: nil)
    }

    /// Stops the process only (the folder stays for the next attempt).
    private func kill() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    func stop() {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}
