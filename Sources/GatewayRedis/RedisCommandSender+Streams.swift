import NIOCore

/// How `XADD` trims a stream as it appends (the history limits of a channel).
public enum RedisStreamTrim: Sendable, Hashable {
    /// `MAXLEN [~] n`: keep about the newest `n` entries.
    case maximumLength(Int, approximate: Bool = true)
    /// `MINID [~] id`: drop entries older than `id` (a history TTL, as an id made from a time).
    case minimumID(RedisStreamID, approximate: Bool = true)

    var arguments: [RedisArgument] {
        switch self {
        case .maximumLength(let count, let approximate):
            return ["MAXLEN", approximate ? "~" : "=", RedisArgument(count)]
        case .minimumID(let id, let approximate):
            return ["MINID", approximate ? "~" : "=", .string(id.description)]
        }
    }
}

/// Where an `XREAD` starts in one stream: after `id` (exclusive), or at `$` (only entries added later).
public struct RedisStreamPosition: Sendable, Hashable {
    public var key: String
    /// An entry id, or `$`.
    public var after: String

    public init(key: String, after id: RedisStreamID) {
        self.key = key
        self.after = id.description
    }

    public init(key: String, after position: String) {
        self.key = key
        self.after = position
    }
}

extension RedisCommandSender {
    /// `XADD key [MAXLEN|MINID ~ n] <id|*> field value ...`; answers the id the entry got. `~` trimming
    /// (the default) lets Redis cut whole radix-tree nodes, far cheaper than exact trimming.
    public func xadd(_ key: String, id: String = "*", trim: RedisStreamTrim? = nil, fields: [(name: String, value: RedisArgument)]) -> EventLoopFuture<RedisStreamID> {
        var arguments: [RedisArgument] = ["XADD", .string(key)]
        if let trim { arguments += trim.arguments }
        arguments.append(.string(id))
        for field in fields { arguments += [.string(field.name), field.value] }
        return self.send(arguments).flatMapThrowing { reply in
            guard let text = reply.string, let id = RedisStreamID(text) else { throw RedisReplyError(command: "XADD", reply: reply) }
            return id
        }
    }

    /// `XRANGE key start end [COUNT n]`, oldest first. Bounds are ids, `-`/`+`, or `(id` for exclusive.
    public func xrange(_ key: String, from start: String = "-", to end: String = "+", count: Int? = nil) -> EventLoopFuture<[RedisStreamEntry]> {
        self.range("XRANGE", key, start, end, count: count)
    }

    /// `XREVRANGE key end start [COUNT n]`, newest first (the last id of a channel, say).
    public func xrevrange(_ key: String, from end: String = "+", to start: String = "-", count: Int? = nil) -> EventLoopFuture<[RedisStreamEntry]> {
        self.range("XREVRANGE", key, end, start, count: count)
    }

    private func range(_ command: String, _ key: String, _ first: String, _ second: String, count: Int?) -> EventLoopFuture<[RedisStreamEntry]> {
        var arguments: [RedisArgument] = [.string(command), .string(key), .string(first), .string(second)]
        if let count { arguments += ["COUNT", RedisArgument(count)] }
        return self.send(arguments).flatMapThrowing { reply in
            try RedisStreamEntry.entries(reply, command: command)
        }
    }

    /// `XREAD [COUNT n] [BLOCK ms] STREAMS key... id...`: entries after each position, or none when
    /// `block` passes (or the read is interrupted). A `block` here holds the connection: on a pool, use
    /// `RedisBlockingReader` instead.
    public func xread(_ positions: [RedisStreamPosition], count: Int? = nil, block: Duration? = nil) -> EventLoopFuture<[RedisStreamBatch]> {
        self.send(Self.xreadArguments(positions, count: count, block: block)).flatMapThrowing { reply in
            try RedisStreamBatch.batches(reply)
        }
    }

    static func xreadArguments(_ positions: [RedisStreamPosition], count: Int?, block: Duration?) -> [RedisArgument] {
        var arguments: [RedisArgument] = ["XREAD"]
        if let count { arguments += ["COUNT", RedisArgument(count)] }
        if let block {
            // BLOCK 0 would mean "forever"; a positive duration under 1 ms still means "wait".
            arguments += ["BLOCK", RedisArgument(max(1, Int(block / .milliseconds(1))))]
        }
        arguments.append("STREAMS")
        arguments += positions.map { .string($0.key) }
        arguments += positions.map { .string($0.after) }
        return arguments
    }
}
