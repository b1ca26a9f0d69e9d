import NIOCore

/// One entry of a stream as `XRANGE`, `XREVRANGE` and `XREAD` return it.
public struct RedisStreamEntry: Sendable, Hashable {
    public var id: RedisStreamID
    /// Field/value pairs in the order they were added (a stream entry may repeat a field name).
    public var fields: [Field]

    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: ByteBuffer

        public init(name: String, value: ByteBuffer) {
            self.name = name
            self.value = value
        }
    }

    public init(id: RedisStreamID, fields: [Field]) {
        self.id = id
        self.fields = fields
    }

    /// The first value under `name`.
    public subscript(name: String) -> ByteBuffer? {
        self.fields.first { $0.name == name }?.value
    }

    /// `[id, [field, value, ...]]`; the field list is null for an entry deleted under a pending reader.
    init(_ reply: RESPValue) throws(RedisReplyError) {
        guard let parts = reply.elements, parts.count == 2, let idText = parts[0].string, let id = RedisStreamID(idText) else {
            throw RedisReplyError(command: "stream entry", reply: reply)
        }
        var fields: [Field] = []
        if let flat = parts[1].elements {
            guard flat.count.isMultiple(of: 2) else { throw RedisReplyError(command: "stream entry", reply: reply) }
            fields.reserveCapacity(flat.count / 2)
            for index in stride(from: 0, to: flat.count, by: 2) {
                guard let name = flat[index].string, let value = flat[index + 1].bytes else {
                    throw RedisReplyError(command: "stream entry", reply: reply)
                }
                fields.append(Field(name: name, value: value))
            }
        }
        self.init(id: id, fields: fields)
    }

    static func entries(_ reply: RESPValue, command: String) throws(RedisReplyError) -> [RedisStreamEntry] {
        if reply.isNull { return [] }
        guard let elements = reply.elements else { throw RedisReplyError(command: command, reply: reply) }
        var entries: [RedisStreamEntry] = []
        entries.reserveCapacity(elements.count)
        for element in elements { entries.append(try RedisStreamEntry(element)) }
        return entries
    }
}

/// The new entries of one stream in an `XREAD` answer.
public struct RedisStreamBatch: Sendable, Hashable {
    public var key: String
    public var entries: [RedisStreamEntry]

    public init(key: String, entries: [RedisStreamEntry]) {
        self.key = key
        self.entries = entries
    }

    /// RESP3 answers a map of key → entries, RESP2 an array of `[key, entries]`; a time-out (or
    /// `CLIENT UNBLOCK`) answers null, which is no batches.
    static func batches(_ reply: RESPValue) throws(RedisReplyError) -> [RedisStreamBatch] {
        var pairs: [(RESPValue, RESPValue)] = []
        switch reply {
        case .null:
            return []
        case .map(let entries):
            pairs = entries.map { ($0.key, $0.value) }
        case .array(let streams):
            for stream in streams {
                guard let parts = stream.elements, parts.count == 2 else { throw RedisReplyError(command: "XREAD", reply: reply) }
                pairs.append((parts[0], parts[1]))
            }
        case .simpleString, .error, .integer, .bulkString, .set, .push, .double, .boolean, .verbatimString, .bigNumber:
            throw RedisReplyError(command: "XREAD", reply: reply)
        }
        var batches: [RedisStreamBatch] = []
        for (key, entries) in pairs {
            guard let name = key.string else { throw RedisReplyError(command: "XREAD", reply: reply) }
            batches.append(RedisStreamBatch(key: name, entries: try RedisStreamEntry.entries(entries, command: "XREAD")))
        }
        return batches
    }
}
