import GatewayRedis
import NIOCore
import NIOPosix
import Testing

extension LiveRedisTests {
    /// The pooled client against a real server that goes away and comes back.
    @Suite(.timeLimit(.minutes(1))) struct RedisClientTests {
        static func makeClient(_ server: RedisTestServer, poolSize: Int = 2) throws -> RedisClient {
            let connection = try RedisConnectionConfiguration(url: server.url, caFile: server.certificates?.caCertificate, connectTimeout: RedisTestServer.connectTimeout)
            let configuration = RedisClientConfiguration(connection: connection, poolSize: poolSize, reconnectInitial: .milliseconds(50), reconnectMaximum: .milliseconds(400))
            let client = RedisClient(configuration: configuration, eventLoop: MultiThreadedEventLoopGroup.singleton.next())
            client.start()
            return client
        }

        /// Polls `condition` every 20 ms for at most `timeout`.
        static func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if try await condition() { return true }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return try await condition()
        }

        @Test func commandsSentBeforeTheFirstConnectionWaitForIt() async throws {
            let server = try await RedisTestServer.start()
            defer { server.stop() }
            let client = try Self.makeClient(server, poolSize: 3)
            #expect(try await client.send(["PING"]).get() == .simpleString("PONG"))
            #expect(try await Self.eventually { try await client.connectedCount.get() == 3 })
            try await client.shutdown().get()
            await #expect { try await client.send(["PING"]).get() } throws: { ($0 as? RedisUnavailable)?.shutDown == true }
        }

        @Test func failsFastWhileDownAndReconnectsAfterARestart() async throws {
            let server = try await RedisTestServer.start()
            defer { server.stop() }
            let client = try Self.makeClient(server)
            try await client.set("before", to: "restart").get()
            let firstRunID = try await client.serverRunID().get()

            server.kill()
            // Once the immediate replacement attempts fail, commands fail at once with RedisUnavailable.
            #expect(await Self.eventually {
                do {
                    _ = try await client.send(["PING"]).get()
                    return false
                } catch is RedisUnavailable {
                    return true
                } catch {
                    return false  // a connection error from the drop itself
                }
            })
            let started = ContinuousClock.now
            await #expect(throws: RedisUnavailable.self) { try await client.send(["PING"]).get() }
            #expect(ContinuousClock.now - started < .seconds(1))  // far under the connect timeout: no waiting

            try await server.restart()
            #expect(await Self.eventually { (try? await client.send(["PING"]).get()) == .simpleString("PONG") })
            #expect(try await Self.eventually { try await client.connectedCount.get() == 2 })
            // The restarted server is empty and says so with a new run id: the engine's epoch change.
            #expect(try await client.get("before").get() == nil)
            #expect(try await client.serverRunID().get() != firstRunID)
            try await client.shutdown().get()
        }

        /// A frozen server: commands fail with a typed error in bounded time, and the pool recovers after.
        @Test func frozenServerGivesTypedErrorsAndThePoolRecovers() async throws {
            let server = try await RedisTestServer.start()
            defer { server.stop() }
            let connection = RedisConnectionConfiguration(url: server.url, connectTimeout: .seconds(1), replyTimeout: .seconds(1))
            let configuration = RedisClientConfiguration(connection: connection, poolSize: 2, reconnectInitial: .milliseconds(50), reconnectMaximum: .milliseconds(400))
            let client = RedisClient(configuration: configuration, eventLoop: MultiThreadedEventLoopGroup.singleton.next())
            client.start()
            try await client.ping().get()
            server.pause()
            for _ in 0..<3 {
                let started = ContinuousClock.now
                await #expect { try await client.ping().get() } throws: { error in
                    error as? RedisConnectionError == .replyTimedOut || error is RedisUnavailable
                        || error as? RedisConnectionError == .setupTimedOut
                }
                #expect(ContinuousClock.now - started < .seconds(4))
            }
            server.resume()
            #expect(await Self.eventually { (try? await client.ping().get()) != nil })
            try await client.shutdown().get()
        }

        @Test func neverConnectedServerFailsFastAfterTheFirstAttempts() async throws {
            let port = try FreePort.pick()
            let connection = RedisConnectionConfiguration(url: RedisURL(host: "127.0.0.1", port: port), connectTimeout: .milliseconds(500))
            let client = RedisClient(configuration: RedisClientConfiguration(connection: connection, poolSize: 2), eventLoop: MultiThreadedEventLoopGroup.singleton.next())
            client.start()
            await #expect { try await client.send(["PING"]).get() } throws: { error in
                guard let unavailable = error as? RedisUnavailable else { return false }
                return unavailable.lastError?.description.hasPrefix("Redis connect failed") == true
            }
            try await client.shutdown().get()
        }

        @Test func pipelinesAcrossThePool() async throws {
            let server = try await RedisTestServer.start()
            defer { server.stop() }
            let client = try Self.makeClient(server, poolSize: 4)
            let futures = (0..<5000).map { _ in client.send(["INCR", "counter"]) }
            let replies = try await EventLoopFuture.whenAllSucceed(futures, on: client.eventLoop).get()
            #expect(Set(replies.compactMap(\.integer)) == Set(1...5000))
            try await client.shutdown().get()
        }
    }
}
