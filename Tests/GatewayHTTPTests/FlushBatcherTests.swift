import NIOEmbedded
import Testing

@testable import GatewayHTTP

/// One loop task's connections are flushed early once `earlyFlushLag` newer ones have asked, the rest at the
/// task's end, and no connection more than twice per task.
@Suite struct FlushBatcherTests {
    final class Connection: Flushable {
        let name: String
        var flushState = FlushState.idle
        let log: Log
        /// Asks for another flush from inside its flush (as a write that frees the socket can).
        var asksAgainWhileFlushing = false

        init(_ name: String, log: Log) {
            self.name = name
            self.log = log
        }

        func flushNow() {
            log.flushes.append(name)
            if asksAgainWhileFlushing {
                asksAgainWhileFlushing = false
                log.batcher?.request(self)
            }
        }
    }

    final class Log {
        var flushes: [String] = []
        weak var batcher: FlushBatcher?
    }

    @Test func contiguousConnectionsAreFlushedOnceEachTheOlderOnesEarly() {
        let loop = EmbeddedEventLoop()
        let log = Log()
        let batcher = FlushBatcher(eventLoop: loop)
        let connections = (0..<10).map { Connection("c\($0)", log: log) }
        for connection in connections {
            // Several streams of a connection in a row, as a client that opened them together.
            for _ in 0..<3 { batcher.request(connection) }
        }
        let early = 10 - FlushBatcher.earlyFlushLag
        #expect(log.flushes == (0..<early).map { "c\($0)" }, "the older connections go out while the task still delivers")
        loop.run()
        #expect(log.flushes == (0..<10).map { "c\($0)" }, "each connection once, in order")
        #expect(connections.allSatisfy { $0.flushState == .idle })
    }

    @Test func scatteredStreamsCostAtMostTwoFlushesPerConnectionPerTask() {
        let loop = EmbeddedEventLoop()
        let log = Log()
        let batcher = FlushBatcher(eventLoop: loop)
        let connections = (0..<6).map { Connection("c\($0)", log: log) }
        for _ in 0..<20 {
            for connection in connections { batcher.request(connection) }
        }
        loop.run()
        for connection in connections {
            let flushes = log.flushes.filter { $0 == connection.name }.count
            #expect(flushes >= 1 && flushes <= 2, "\(connection.name) flushed \(flushes) times")
        }
        #expect(connections.allSatisfy { $0.flushState == .idle })

        // The next task starts a fresh batch: one request, one flush at the end.
        log.flushes = []
        batcher.request(connections[0])
        loop.run()
        #expect(log.flushes == ["c0"])
    }

    @Test func twoConnectionsAlternatingAreWrittenOnceEach() {
        let loop = EmbeddedEventLoop()
        let log = Log()
        let batcher = FlushBatcher(eventLoop: loop)
        let connections = (0..<FlushBatcher.earlyFlushLag).map { Connection("c\($0)", log: log) }
        for _ in 0..<10 {
            for connection in connections { batcher.request(connection) }
        }
        #expect(log.flushes.isEmpty, "no early write while only \(FlushBatcher.earlyFlushLag) connections take turns")
        loop.run()
        #expect(log.flushes == connections.map(\.name))
    }

    @Test func aRequestFromInsideAFlushJoinsTheBatchWithoutRecursing() {
        let loop = EmbeddedEventLoop()
        let log = Log()
        let batcher = FlushBatcher(eventLoop: loop)
        log.batcher = batcher
        let connections = (0..<8).map { Connection("c\($0)", log: log) }
        connections[0].asksAgainWhileFlushing = true
        for connection in connections { batcher.request(connection) }
        // c0 went out early, asked again from inside that flush, and is written once more at the end.
        #expect(log.flushes.first == "c0")
        loop.run()
        #expect(log.flushes.filter { $0 == "c0" }.count == 2)
        #expect(Set(log.flushes) == Set(connections.map(\.name)))
        #expect(connections.allSatisfy { $0.flushState == .idle })
    }
}
