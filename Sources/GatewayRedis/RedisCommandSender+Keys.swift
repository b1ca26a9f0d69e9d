import NIOCore

extension RedisCommandSender {
    /// `GET key`: the value, or nil when the key does not exist.
    public func get(_ key: String) -> EventLoopFuture<ByteBuffer?> {
        self.send(["GET", .string(key)]).flatMapThrowing { reply in
            if reply.isNull { return nil }
            guard let bytes = reply.bytes else { throw RedisReplyError(command: "GET", reply: reply) }
            return bytes
        }
    }

    /// `SET key value [PX ms]`.
    public func set(_ key: String, to value: RedisArgument, expiringAfter lifetime: Duration? = nil) -> EventLoopFuture<Void> {
        var arguments: [RedisArgument] = ["SET", .string(key), value]
        if let lifetime { arguments += ["PX", RedisArgument(Self.milliseconds(lifetime))] }
        return self.send(arguments).flatMapThrowing { reply in
            guard case .simpleString("OK") = reply else { throw RedisReplyError(command: "SET", reply: reply) }
        }
    }

    /// `SET key value NX PX ms`: true when this call created the key (an idempotency key seen first here),
    /// false when it already existed.
    public func setIfAbsent(_ key: String, to value: RedisArgument, expiringAfter lifetime: Duration) -> EventLoopFuture<Bool> {
        self.send(["SET", .string(key), value, "NX", "PX", RedisArgument(Self.milliseconds(lifetime))]).flatMapThrowing { reply in
            switch reply {
            case .simpleString("OK"): return true
            case .null: return false
            default: throw RedisReplyError(command: "SET NX", reply: reply)
            }
        }
    }

    /// `PEXPIRE key ms`: true when the key exists and now expires.
    public func pexpire(_ key: String, after lifetime: Duration) -> EventLoopFuture<Bool> {
        self.send(["PEXPIRE", .string(key), RedisArgument(Self.milliseconds(lifetime))]).flatMapThrowing { reply in
            guard let count = reply.integer else { throw RedisReplyError(command: "PEXPIRE", reply: reply) }
            return count == 1
        }
    }

    /// `DEL key...`: how many existed.
    public func del(_ keys: [String]) -> EventLoopFuture<Int> {
        self.send(["DEL"] + keys.map { .string($0) }).flatMapThrowing { reply in
            guard let count = reply.integer else { throw RedisReplyError(command: "DEL", reply: reply) }
            return Int(count)
        }
    }

    /// `PING`: a round trip that proves the connection and the server work.
    public func ping() -> EventLoopFuture<Void> {
        self.send(["PING"]).flatMapThrowing { reply in
            guard case .simpleString("PONG") = reply else { throw RedisReplyError(command: "PING", reply: reply) }
        }
    }

    /// Whole milliseconds, at least 1 (`PX 0` and `PEXPIRE 0` would mean "already expired").
    static func milliseconds(_ duration: Duration) -> Int {
        max(1, Int(duration / .milliseconds(1)))
    }
}
