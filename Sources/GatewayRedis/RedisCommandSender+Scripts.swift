import NIOCore

extension RedisCommandSender {
    /// Runs `script` atomically by name (`EVALSHA`). The name comes from `SCRIPT LOAD`, sent on first use
    /// and again when the server answers `NOSCRIPT` (a restarted or flushed server has an empty cache).
    public func evalScript(_ script: RedisScript, keys: [String] = [], arguments: [RedisArgument] = []) -> EventLoopFuture<RESPValue> {
        guard let name = script.sha1 else {
            return self.loadAndRun(script, keys: keys, arguments: arguments)
        }
        return self.evalsha(name, keys: keys, arguments: arguments).flatMapError { error in
            guard let refusal = error as? RedisServerError, refusal.code == "NOSCRIPT" else {
                return self.eventLoop.makeFailedFuture(error)
            }
            return self.loadAndRun(script, keys: keys, arguments: arguments)
        }
    }

    private func loadAndRun(_ script: RedisScript, keys: [String], arguments: [RedisArgument]) -> EventLoopFuture<RESPValue> {
        self.scriptLoad(script.source).flatMap { name in
            script.remember(name)
            return self.evalsha(name, keys: keys, arguments: arguments)
        }
    }

    /// `EVAL source numkeys key... arg...`.
    public func eval(_ source: String, keys: [String] = [], arguments: [RedisArgument] = []) -> EventLoopFuture<RESPValue> {
        self.send(["EVAL", .string(source), RedisArgument(keys.count)] + keys.map { .string($0) } + arguments)
    }

    /// `EVALSHA sha1 numkeys key... arg...`; fails with `RedisServerError` code `NOSCRIPT` when unknown.
    public func evalsha(_ sha1: String, keys: [String] = [], arguments: [RedisArgument] = []) -> EventLoopFuture<RESPValue> {
        self.send(["EVALSHA", .string(sha1), RedisArgument(keys.count)] + keys.map { .string($0) } + arguments)
    }

    /// `SCRIPT LOAD source`: caches the script and answers its SHA-1.
    public func scriptLoad(_ source: String) -> EventLoopFuture<String> {
        self.send(["SCRIPT", "LOAD", .string(source)]).flatMapThrowing { reply in
            guard let sha1 = reply.string else { throw RedisReplyError(command: "SCRIPT LOAD", reply: reply) }
            return sha1
        }
    }
}
