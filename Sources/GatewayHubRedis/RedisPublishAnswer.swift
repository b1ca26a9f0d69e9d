import GatewayRedis

/// What the publish script answered: the epoch and the first of `count` consecutive sequence numbers, and
/// whether an earlier publish with the same idempotency key answered instead.
struct RedisPublishAnswer: Equatable {
    let epoch: UInt64
    let first: UInt64
    let count: Int
    let replayed: Bool

    init(epoch: UInt64, first: UInt64, count: Int, replayed: Bool) {
        (self.epoch, self.first, self.count, self.replayed) = (epoch, first, count, replayed)
    }

    /// `{0, epoch, first, count}`, or `{1, "epoch:first:count"}` for a replayed answer.
    init(_ reply: RESPValue) throws(RedisReplyError) {
        guard let parts = reply.elements, let flag = parts.first?.integer else { throw RedisReplyError(command: "publish script", reply: reply) }
        let numbers: [RESPValue]
        if flag == 1, parts.count == 2, let stored = parts[1].string {
            numbers = stored.split(separator: ":").map { .simpleString(String($0)) }
        } else {
            numbers = Array(parts.dropFirst())
        }
        guard numbers.count == 3,
              let epoch = numbers[0].integer.flatMap({ UInt64(exactly: $0) }),
              let first = numbers[1].integer.flatMap({ UInt64(exactly: $0) }),
              let count = numbers[2].integer.flatMap({ Int(exactly: $0) })
        else { throw RedisReplyError(command: "publish script", reply: reply) }
        self.init(epoch: epoch, first: first, count: count, replayed: flag == 1)
    }
}
