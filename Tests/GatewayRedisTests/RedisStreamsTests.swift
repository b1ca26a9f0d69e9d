import GatewayRedis
import NIOCore
import NIOPosix
import Testing

extension LiveRedisTests {
    /// The helpers the Redis engine is built on, against a real server.
    @Suite(.timeLimit(.minutes(1))) struct RedisStreamsTests {
        private static func withClient(_ body: (RedisClient, RedisTestServer) async throws -> Void) async throws {
            let server = try await RedisTestServer.start()
            defer { server.stop() }
            let client = try RedisClientTests.makeClient(server)
            try await body(client, server)
            try await client.shutdown().get()
        }

        /// Until the server counts one blocked client: the reader's XREAD has arrived and is parked.
        private static func waitUntilBlocked(_ client: RedisClient) async throws {
            let blocked = try await RedisClientTests.eventually { try await client.info("clients").get()["blocked_clients"] == "1" }
            try #require(blocked)
        }

        @Test func xaddXrangeXrevrangeRoundTrip() async throws {
            try await Self.withClient { client, _ in
                var ids: [RedisStreamID] = []
                for number in 1...5 {
                    ids.append(try await client.xadd("channel", trim: .maximumLength(1000), fields: [("data", .string("event \(number)")), ("type", "tick")]).get())
                }
                #expect(ids == ids.sorted() && Set(ids).count == 5)
                let all = try await client.xrange("channel").get()
                #expect(all.map(\.id) == ids)
                #expect(all[0]["data"] == ByteBuffer(string: "event 1"))
                #expect(all[0].fields.map(\.name) == ["data", "type"])
                let after = try await client.xrange("channel", from: "(\(ids[2])", count: 10).get()
                #expect(after.map(\.id) == Array(ids[3...]))
                let newest = try await client.xrevrange("channel", count: 2).get()
                #expect(newest.map(\.id) == [ids[4], ids[3]])
                #expect(try await client.xrange("nothing-here").get().isEmpty)
                // Exact trimming keeps the newest entries.
                _ = try await client.xadd("channel", trim: .maximumLength(2, approximate: false), fields: [("data", "last")]).get()
                #expect(try await client.xrange("channel").get().count == 2)
                // An explicit id, and MINID trimming.
                let explicit = try await client.xadd("timed", id: "1000-1", fields: [("data", "old")]).get()
                #expect(explicit == RedisStreamID(milliseconds: 1000, sequence: 1))
                _ = try await client.xadd("timed", id: "5000-0", trim: .minimumID(RedisStreamID(milliseconds: 2000, sequence: 0), approximate: false), fields: [("data", "new")]).get()
                #expect(try await client.xrange("timed").get().map(\.id.description) == ["5000-0"])
            }
        }

        @Test func xreadWithoutBlockingAndWithATimeout() async throws {
            try await Self.withClient { client, _ in
                let first = try await client.xadd("a", fields: [("data", "1")]).get()
                _ = try await client.xadd("b", fields: [("data", "2")]).get()
                let batches = try await client.xread([RedisStreamPosition(key: "a", after: .zero), RedisStreamPosition(key: "b", after: .zero)]).get()
                #expect(batches.map(\.key).sorted() == ["a", "b"])
                #expect(batches.first { $0.key == "a" }?.entries.map(\.id) == [first])
                let started = ContinuousClock.now
                let none = try await client.xread([RedisStreamPosition(key: "a", after: first)], block: .milliseconds(100)).get()
                #expect(none.isEmpty)
                #expect(ContinuousClock.now - started >= .milliseconds(90))
            }
        }

        /// A blocked read on its own connection gets new entries at once, does not hold the pool, and can be
        /// interrupted to be re-issued with another set of streams.
        @Test func blockingReaderReceivesInterruptsAndRereads() async throws {
            try await Self.withClient { client, _ in
                let reader = client.makeBlockingReader()
                let read = reader.read([RedisStreamPosition(key: "live", after: "$")], block: .seconds(20))
                try await Self.waitUntilBlocked(client)
                // The pool still answers while the read is parked.
                #expect(try await client.send(["PING"]).get() == .simpleString("PONG"))
                await #expect(throws: RedisBlockingReader.Failure.readInProgress) { try await reader.read([], block: .seconds(1)).get() }
                let id = try await client.xadd("live", fields: [("data", "now")]).get()
                let delivered = try await read.get()
                #expect(delivered == [RedisStreamBatch(key: "live", entries: [RedisStreamEntry(id: id, fields: [.init(name: "data", value: ByteBuffer(string: "now"))])])])

                // The set of streams changes: interrupt the parked read at once, re-issue with both.
                let parked = reader.read([RedisStreamPosition(key: "live", after: id)], block: .seconds(20))
                let started = ContinuousClock.now
                #expect(try await reader.interrupt().get())
                #expect(try await parked.get().isEmpty)
                #expect(ContinuousClock.now - started < .seconds(5))
                let both = reader.read([RedisStreamPosition(key: "live", after: id), RedisStreamPosition(key: "other", after: "$")], block: .seconds(20))
                try await Self.waitUntilBlocked(client)
                _ = try await client.xadd("other", fields: [("data", "x")]).get()
                #expect(try await both.get().map(\.key) == ["other"])

                // Interrupting right after issuing (the XREAD may not have reached the server yet) still wakes it.
                for _ in 0..<5 {
                    let racing = reader.read([RedisStreamPosition(key: "quiet", after: "$")], block: .seconds(20))
                    _ = try await reader.interrupt().get()
                    #expect(try await racing.get().isEmpty)
                }
                #expect(try await reader.interrupt().get() == false)  // nothing in flight
            // Interrupted while its connection is still opening: answers at once, without blocking.
            let fresh = client.makeBlockingReader()
            let opening = fresh.read([RedisStreamPosition(key: "quiet", after: "$")], block: .seconds(20))
            #expect(try await fresh.interrupt().get())
            let openingStarted = ContinuousClock.now
            #expect(try await opening.get().isEmpty)
            #expect(ContinuousClock.now - openingStarted < .seconds(5))
            try await fresh.close().get()
                try await reader.close().get()
                await #expect(throws: RedisBlockingReader.Failure.closed) { try await reader.read([], block: .seconds(1)).get() }
            }
        }

        @Test func blockingReaderFailsTypedWhenTheServerDiesAndRecoversAfter() async throws {
            try await Self.withClient { client, server in
                let reader = client.makeBlockingReader()
                let parked = reader.read([RedisStreamPosition(key: "s", after: "$")], block: .seconds(20))
                try await Self.waitUntilBlocked(client)
                server.kill()
                await #expect(throws: RedisConnectionError.connectionClosed) { try await parked.get() }
                try await server.restart()
                let again = reader.read([RedisStreamPosition(key: "s", after: "0-0")], block: .milliseconds(200))
                #expect(try await again.get().isEmpty)
                try await reader.close().get()
            }
        }

        @Test func setIfAbsentWithExpiryGetPexpireDel() async throws {
            try await Self.withClient { client, _ in
                #expect(try await client.setIfAbsent("idem:1", to: "1-0", expiringAfter: .seconds(60)).get())
                #expect(try await client.setIfAbsent("idem:1", to: "2-0", expiringAfter: .seconds(60)).get() == false)
                #expect(try await client.get("idem:1").get() == ByteBuffer(string: "1-0"))
                let ttl = try await client.send(["PTTL", "idem:1"]).get().integer ?? 0
                #expect(ttl > 50_000 && ttl <= 60_000)
                #expect(try await client.setIfAbsent("short", to: "x", expiringAfter: .milliseconds(50)).get())
                #expect(try await RedisClientTests.eventually { try await client.get("short").get() == nil })
                #expect(try await client.pexpire("idem:1", after: .milliseconds(1500)).get())
                #expect(try await client.pexpire("missing", after: .seconds(1)).get() == false)
                try await client.set("plain", to: "v", expiringAfter: .seconds(30)).get()
                #expect(try await client.del(["idem:1", "plain", "missing"]).get() == 2)
            }
        }

        @Test func scriptsRunByTheNameScriptLoadAnsweredAndReloadAfterNOSCRIPT() async throws {
            try await Self.withClient { client, server in
                // Atomic id assignment, the engine's shape: INCR a counter and append under that sequence.
                let script = RedisScript("""
                    local sequence = redis.call('INCR', KEYS[1])
                    local id = redis.call('XADD', KEYS[2], ARGV[1] .. '-' .. sequence, 'data', ARGV[2])
                    return {sequence, id}
                    """)
                #expect(script.sha1 == nil)
                let first = try await client.evalScript(script, keys: ["seq", "stream"], arguments: ["1", "hello"]).get()
                #expect(first == .array([.integer(1), .bulkString(ByteBuffer(string: "1-1"))]))
                let name = try #require(script.sha1)
                #expect(try await client.scriptLoad(script.source).get() == name)
                // After a restart the script cache is empty: NOSCRIPT, then SCRIPT LOAD and EVALSHA, transparently.
                try await server.restart()
                #expect(await RedisClientTests.eventually { (try? await client.send(["PING"]).get()) != nil })
                await #expect { try await client.evalsha(name, keys: ["seq", "stream"], arguments: ["1", "x"]).get() } throws: {
                    ($0 as? RedisServerError)?.code == "NOSCRIPT"
                }
                let again = try await client.evalScript(script, keys: ["seq", "stream"], arguments: ["1", "again"]).get()
                #expect(again.elements?.first == .integer(1))
                await #expect { try await client.eval("return redis.error_reply('NOPE custom')").get() } throws: {
                    ($0 as? RedisServerError)?.code == "NOPE"
                }
            }
        }
    }
}
