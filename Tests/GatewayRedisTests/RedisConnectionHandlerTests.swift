import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayRedis

/// The connection handler in an `EmbeddedChannel`: batching, reply matching, and failure of what waits.
struct RedisConnectionHandlerTests {
    private struct Harness {
        let channel = EmbeddedChannel()
        let handler: RedisConnectionHandler

        init(replyTimeout: TimeAmount? = nil) throws {
            self.handler = RedisConnectionHandler(replyTimeout: replyTimeout)
            try self.channel.pipeline.syncOperations.addHandlers(ByteToMessageHandler(RESPDecoder(limits: RESPDecoder.Limits(maximumBulkLength: 16))), self.handler)
            try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        }

        func submit(_ arguments: [RedisArgument]) -> EventLoopFuture<RESPValue> {
            let promise = self.channel.eventLoop.makePromise(of: RESPValue.self)
            self.handler.submit(arguments, promise: promise)
            return promise.futureResult
        }

        func outbound() throws -> [String] {
            var writes: [String] = []
            while let buffer = try self.channel.readOutbound(as: ByteBuffer.self) { writes.append(String(buffer: buffer)) }
            return writes
        }

        func reply(_ wire: String) throws {
            try self.channel.writeInbound(ByteBuffer(string: wire))
        }
    }

    /// The future's result if it has one now (an embedded loop completes callbacks synchronously).
    private static func result(_ future: EventLoopFuture<RESPValue>) -> Result<RESPValue, Error>? {
        final class Box: @unchecked Sendable { var result: Result<RESPValue, Error>? }
        let box = Box()
        future.whenComplete { box.result = $0 }
        return box.result
    }

    @Test func commandsOfOneTickLeaveInOneWrite() throws {
        let harness = try Harness()
        _ = harness.submit(["PING"])
        _ = harness.submit(["GET", "a"])
        _ = harness.submit(["GET", "b"])
        #expect(try harness.outbound().isEmpty)  // nothing before the tick ends
        harness.channel.embeddedEventLoop.run()
        #expect(try harness.outbound() == ["*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$1\r\nb\r\n"])
        _ = harness.submit(["PING"])
        harness.channel.embeddedEventLoop.run()
        #expect(try harness.outbound() == ["*1\r\n$4\r\nPING\r\n"])
    }

    @Test func repliesAnswerCommandsInOrderAndErrorsFailOnlyTheirCommand() throws {
        let harness = try Harness()
        let first = harness.submit(["GET", "a"])
        let second = harness.submit(["NOPE"])
        let third = harness.submit(["GET", "b"])
        harness.channel.embeddedEventLoop.run()
        try harness.reply("$1\r\n1\r\n-ERR unknown command\r\n>2\r\n+push\r\n+ignored\r\n$1\r")
        #expect(try Self.result(first)?.get() == .bulkString(ByteBuffer(string: "1")))
        #expect(throws: RedisServerError(message: "ERR unknown command")) { try Self.result(second)?.get() }
        #expect(Self.result(third) == nil)
        try harness.reply("\n2\r\n")
        #expect(try Self.result(third)?.get() == .bulkString(ByteBuffer(string: "2")))
        #expect(harness.handler.pendingCount == 0)
    }

    @Test func connectionEndFailsEveryWaitingCommand() throws {
        let harness = try Harness()
        let futures = (0..<5).map { harness.submit(["GET", .string("k\($0)")]) }
        harness.channel.embeddedEventLoop.run()
        try harness.reply(":1\r\n")
        try harness.channel.close().wait()
        #expect(try Self.result(futures[0])?.get() == .integer(1))
        for future in futures.dropFirst() {
            #expect(throws: RedisConnectionError.connectionClosed) { try Self.result(future)?.get() }
        }
        #expect(throws: RedisConnectionError.connectionClosed) { try Self.result(harness.submit(["PING"]))?.get() }
    }

    @Test func aProtocolViolationFailsWaitingCommandsWithIt() throws {
        let harness = try Harness()
        let waiting = harness.submit(["GET", "big"])
        harness.channel.embeddedEventLoop.run()
        try? harness.reply("$17\r\n")
        #expect(throws: RedisConnectionError.protocolViolation(.bulkTooLong(length: 17, limit: 16))) { try Self.result(waiting)?.get() }
        #expect(!harness.channel.isActive)
    }

    @Test func aReplyNobodyWaitsForClosesTheConnection() throws {
        let harness = try Harness()
        try harness.reply("+OK\r\n")
        #expect(!harness.channel.isActive)
        #expect(throws: RedisConnectionError.unexpectedReply) { try Self.result(harness.submit(["PING"]))?.get() }
    }

    @Test func silenceWhileCommandsWaitClosesTheConnection() throws {
        let harness = try Harness(replyTimeout: .seconds(5))
        let loop = harness.channel.embeddedEventLoop
        let first = harness.submit(["PING"])
        let blocking = harness.submit(["PING"])
        loop.advanceTime(by: .seconds(4))
        try harness.reply("+PONG\r\n")  // progress: the clock starts again
        loop.advanceTime(by: .seconds(4))
        #expect(harness.channel.isActive)
        #expect(try Self.result(first)?.get() == .simpleString("PONG"))
        loop.advanceTime(by: .seconds(2))
        #expect(!harness.channel.isActive)
        #expect(throws: RedisConnectionError.replyTimedOut) { try Self.result(blocking)?.get() }
    }

    @Test func aBlockingCommandMayWaitItsAllowance() throws {
        let harness = try Harness(replyTimeout: .seconds(5))
        let loop = harness.channel.embeddedEventLoop
        let promise = loop.makePromise(of: RESPValue.self)
        harness.handler.submit(["XREAD", "BLOCK", "20000"], replyAllowance: .seconds(20), promise: promise)
        loop.advanceTime(by: .seconds(24))
        #expect(harness.channel.isActive)
        try harness.reply("_\r\n")
        #expect(try Self.result(promise.futureResult)?.get() == .null)
        // Quiet with nothing waiting is fine, however long.
        loop.advanceTime(by: .seconds(60))
        #expect(harness.channel.isActive)
    }

    @Test func closeWaitsForRepliesAndRefusesNewCommands() throws {
        let harness = try Harness()
        let waiting = harness.submit(["PING"])
        harness.channel.embeddedEventLoop.run()
        harness.handler.close(promise: nil)
        #expect(harness.channel.isActive)
        #expect(throws: RedisConnectionError.closing) { try Self.result(harness.submit(["PING"]))?.get() }
        try harness.reply("+PONG\r\n")
        #expect(try Self.result(waiting)?.get() == .simpleString("PONG"))
        #expect(!harness.channel.isActive)
    }
}
