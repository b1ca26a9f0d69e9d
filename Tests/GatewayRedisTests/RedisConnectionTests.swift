import GatewayRedis
import NIOCore
import NIOPosix
import Testing

extension LiveRedisTests {
    /// One `RedisConnection` against a real redis-server on loopback.
    @Suite(.timeLimit(.minutes(1))) struct RedisConnectionTests {
        private static func connect(_ server: RedisTestServer, password: String? = nil, database: Int = 0) async throws -> RedisConnection {
            var url = server.url
            url.password = password ?? server.password
            url.database = database
            let configuration = try RedisConnectionConfiguration(url: url, caFile: server.certificates?.caCertificate, connectTimeout: RedisTestServer.connectTimeout)
            return try await RedisConnection.connect(configuration, on: MultiThreadedEventLoopGroup.singleton.next()).get()
        }

        @Test func basicCommandsAndReplyTypes() async throws {
            let server = try await RedisTestServer.start()
            defer { server.stop() }
            let connection = try await Self.connect(server)
            #expect(connection.hello.serverVersion.hasPrefix("7."))
            #expect(connection.hello.clientID > 0)
            try await connection.ping().get()
            try await connection.set("greeting", to: "hello").get()
            #expect(try await connection.get("greeting").get() == ByteBuffer(string: "hello"))
            #expect(try await connection.get("missing").get() == nil)
            #expect(try await connection.send(["INCRBY", "counter", 5]).get() == .integer(5))
            // RESP3 types over the wire: a map and a double.
            let hello = try await connection.send(["HELLO", "3"]).get()
            #expect(hello.pairs?.contains { $0.key.string == "proto" && $0.value == .integer(3) } == true)
            #expect(try await connection.send(["INCRBYFLOAT", "f", "1.5"]).get().string == "1.5")
            #expect(try await connection.del(["greeting", "counter", "missing"]).get() == 2)
            try await connection.close().get()
        }

        @Test func tenThousandPipelinedCommandsAnswerInOrder() async throws {
            let server = try await RedisTestServer.start()
            defer { server.stop() }
            let connection = try await Self.connect(server)
            let futures = try await connection.eventLoop.submit {
                (0..<10_000).map { connection.send(["ECHO", .string("message \($0)")]) }
            }.get()
            #expect(try await connection.pendingCount.get() > 0)
            let replies = try await EventLoopFuture.whenAllSucceed(futures, on: connection.eventLoop).get()
            #expect(replies.map { $0.string ?? "" } == (0..<10_000).map { "message \($0)" })
            // Commands sent from many threads at once still each get their own answer.
            let counts = try await withThrowingTaskGroup(of: Int64.self) { group in
                for _ in 0..<8 { group.addTask { try await connection.send(["INCR", "n"]).get().integer ?? 0 } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(counts.sorted() == Array(1...8))
            try await connection.close().get()
        }

        @Test func largeBulkValuesRoundTrip() async throws {
            let server = try await RedisTestServer.start()
            defer { server.stop() }
            let connection = try await Self.connect(server)
            var value = ByteBuffer()
            for index in 0..<(1024 * 1024) { value.writeInteger(UInt8(truncatingIfNeeded: index &* 31)) }
            try await connection.set("big", to: .bytes(value)).get()
            let back = try await connection.get("big").get()
            #expect(back == value)
            #expect(try await connection.send(["STRLEN", "big"]).get() == .integer(1024 * 1024))
            try await connection.close().get()
        }

        @Test func errorRepliesFailOnlyTheirCommand() async throws {
            let server = try await RedisTestServer.start()
            defer { server.stop() }
            let connection = try await Self.connect(server)
            try await connection.set("text", to: "x").get()
            let wrongType = connection.send(["LPUSH", "text", "y"])
            let unknown = connection.send(["NOSUCHCOMMAND"])
            let fine = connection.send(["GET", "text"])
            await #expect { try await wrongType.get() } throws: { ($0 as? RedisServerError)?.code == "WRONGTYPE" }
            await #expect { try await unknown.get() } throws: { ($0 as? RedisServerError)?.code == "ERR" }
            #expect(try await fine.get() == .bulkString(ByteBuffer(string: "x")))
            // A typed helper on a key of another type fails with the server's error, not a shape error.
            await #expect(throws: RedisServerError.self) { try await connection.xadd("text", fields: [("f", "v")]).get() }
            try await connection.close().get()
        }

        @Test func authenticationRightWrongAndMissing() async throws {
            let server = try await RedisTestServer.start(password: "s3cret")
            defer { server.stop() }
            let connection = try await Self.connect(server)
            try await connection.ping().get()
            try await connection.close().get()
            await #expect { try await Self.connect(server, password: "wrong") } throws: { error in
                (error as? RedisConnectionError)?.serverError?.code == "WRONGPASS"
            }
            var url = server.url
            url.password = nil
            await #expect { try await RedisConnection.connect(RedisConnectionConfiguration(url: url, connectTimeout: RedisTestServer.connectTimeout), on: MultiThreadedEventLoopGroup.singleton.next()).get() } throws: { error in
                (error as? RedisConnectionError)?.serverError?.code == "NOAUTH"
            }
        }

        @Test func selectsTheDatabaseFromTheURL() async throws {
            let server = try await RedisTestServer.start()
            defer { server.stop() }
            let three = try await Self.connect(server, database: 3)
            try await three.set("where", to: "db3").get()
            let zero = try await Self.connect(server)
            #expect(try await zero.get("where").get() == nil)
            #expect(try await three.get("where").get() == ByteBuffer(string: "db3"))
            await #expect(throws: RedisConnectionError.self) { try await Self.connect(server, database: 99) }
        }

        @Test func connectFailuresAreTyped() async throws {
            let port = try FreePort.pick()  // nothing listens there
            let configuration = RedisConnectionConfiguration(url: RedisURL(host: "127.0.0.1", port: port), connectTimeout: .seconds(1))
            await #expect { try await RedisConnection.connect(configuration, on: MultiThreadedEventLoopGroup.singleton.next()).get() } throws: { error in
                (error as? RedisConnectionError)?.description.hasPrefix("Redis connect failed") == true
            }
        }

        /// The server dies with thousands of commands in flight: every one fails with the typed error, at once.
        @Test func serverKilledMidPipelineFailsEveryPendingCommand() async throws {
            let server = try await RedisTestServer.start()
            defer { server.stop() }
            let connection = try await Self.connect(server)
            // A blocked command first keeps the rest queued behind it on the server while we kill it.
            let slow = connection.send(["BLPOP", "never-pushed", "5"])
            let futures = (0..<2000).map { connection.send(["ECHO", .string("\($0)")]) }
            try await Task.sleep(for: .milliseconds(200))
            server.kill()
            let started = ContinuousClock.now
            await #expect(throws: RedisConnectionError.connectionClosed) { try await slow.get() }
            var failures = 0
            for future in futures {
                do { _ = try await future.get() } catch let error as RedisConnectionError where error == .connectionClosed { failures += 1 }
            }
            #expect(failures == futures.count)
            #expect(ContinuousClock.now - started < .seconds(5))
            await #expect(throws: RedisConnectionError.connectionClosed) { try await connection.send(["PING"]).get() }
        }

        /// A frozen server (the TCP connection stays up, nothing answers) fails waiting commands after the
        /// reply timeout instead of leaving them hanging.
        @Test func frozenServerFailsWaitingCommandsAfterTheReplyTimeout() async throws {
            let server = try await RedisTestServer.start()
            defer { server.stop() }
            let configuration = RedisConnectionConfiguration(url: server.url, connectTimeout: RedisTestServer.connectTimeout, replyTimeout: .seconds(1))
            let connection = try await RedisConnection.connect(configuration, on: MultiThreadedEventLoopGroup.singleton.next()).get()
            try await connection.ping().get()
            server.pause()
            defer { server.resume() }
            let started = ContinuousClock.now
            let futures = (0..<10).map { _ in connection.send(["PING"]) }
            for future in futures {
                await #expect(throws: RedisConnectionError.replyTimedOut) { try await future.get() }
            }
            let waited = ContinuousClock.now - started
            #expect(waited >= .milliseconds(900) && waited < .seconds(5))
            #expect(!connection.channel.isActive)
        }

        @Test func cleanCloseAnswersWhatIsInFlight() async throws {
            let server = try await RedisTestServer.start()
            defer { server.stop() }
            let connection = try await Self.connect(server)
            let futures = (0..<100).map { connection.send(["ECHO", .string("\($0)")]) }
            let closed = connection.close()
            await #expect(throws: RedisConnectionError.closing) { try await connection.send(["PING"]).get() }
            #expect(try await futures[99].get().string == "99")
            try await closed.get()
            #expect(!connection.channel.isActive)
        }
    }
}
