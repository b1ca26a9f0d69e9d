import NIOCore

extension RedisCommandSender {
    /// Runs `script` atomically: `EVALSHA` by its SHA-1, and `EVAL` with the source when the server does
    /// not know it yet (`NOSCRIPT`: first use, or a restarted or flushed server), which also caches it.
    public func evalScript(_ script: RedisScript, keys: [String] = [], arguments: [RedisArgument] = []) -> EventLoopFuture<RESPValue> {
        self.evalsha(script.sha1, keys: keys, arguments: arguments).flatMapError { error in
            guard let refusal = error as? RedisServerError, refusal.code == "NOSCRIPT" else {
                return self.eventLoop.makeFailedFuture(error)
            }
            return self.eval(script.source, keys: keys, arguments: arguments)
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
