import GatewayRedis

/// Where one channel lives in Redis, and how its positions map onto stream entry ids.
///
/// Keys (`<prefix>` is the configured `key_prefix`):
///
///     <prefix>:meta:<channel>      hash {epoch, seq}: the channel's life and its last sequence number
///     <prefix>:stream:<channel>    the history: one entry per event
///     <prefix>:idem:<channel>\0<key>  the first answer to a publish with that idempotency key
///
/// Entry ids are `<sequence>-<published ms>`: the first part is the channel's own sequence number, so
/// "after cursor n" is the id range after `n-<max>` with no lookup, and the second part is the publish time
/// (Redis's clock), which the publish script's TTL trimming reads.
struct RedisChannelKeys: Sendable, Hashable {
    let channel: String
    let meta: String
    let stream: String
    private let prefix: String

    init(prefix: String, channel: String) {
        self.channel = channel
        self.prefix = prefix
        self.meta = "\(prefix):meta:\(channel)"
        self.stream = "\(prefix):stream:\(channel)"
    }

    /// The key holding the first result of a publish with `idempotencyKey` on this channel. NUL cannot
    /// appear in a channel name or a header value, so no two (channel, key) pairs share a key.
    func idempotency(_ idempotencyKey: String) -> String {
        "\(prefix):idem:\(channel)\u{0}\(idempotencyKey)"
    }

    /// The highest entry id of `sequence`: reading after it reads the events after that sequence number.
    static func lastID(ofSequence sequence: UInt64) -> RedisStreamID {
        RedisStreamID(milliseconds: sequence, sequence: UInt64.max)
    }

    /// The lowest entry id of `sequence` (an inclusive range start).
    static func firstID(ofSequence sequence: UInt64) -> RedisStreamID {
        RedisStreamID(milliseconds: sequence, sequence: 0)
    }

    /// The channel sequence number an entry holds (the first part of its id).
    static func sequence(of id: RedisStreamID) -> UInt64 { id.milliseconds }

    /// When an entry was published, by Redis's clock, in milliseconds since 1970 (the second part).
    static func publishedMilliseconds(of id: RedisStreamID) -> UInt64 { id.sequence }
}
