/// Token buckets by key (a client address, a credential) in bounded memory, whatever the keys an attacker
/// sends: at most `maxKeys` buckets are kept.
///
/// Two generations instead of an LRU list: a key is looked up in `current`, then in `previous` (and moved
/// to `current`); once `current` holds `maxKeys / 2` buckets it becomes `previous` and the old `previous`
/// is dropped. Each step is O(1) amortised, with no per-entry timestamps or list links. What is dropped is
/// only the buckets not touched while `maxKeys / 2` other keys arrived, and a dropped bucket comes back
/// full, which is what an idle client's bucket would have refilled to anyway. A client that keeps sending
/// keeps its bucket in `current`, so an attacker cycling source addresses can only reset the buckets of
/// clients idle for that long, never grow the table.
public struct BoundedBucketTable<Key: Hashable & Sendable>: Sendable {
    /// Tokens in a full bucket: the burst a new or idle key gets.
    public let burst: Int
    /// The time in which `burst` tokens come back.
    public let periodNanoseconds: Int64
    /// Most buckets kept at once.
    public let maxKeys: Int
    private var current: [Key: TokenBucket] = [:]
    private var previous: [Key: TokenBucket] = [:]

    public init(burst: Int, periodNanoseconds: Int64, maxKeys: Int) {
        self.burst = burst
        self.periodNanoseconds = max(1, periodNanoseconds)
        self.maxKeys = max(2, maxKeys)
    }

    /// `burst` tokens, refilled at `perSecond`.
    public init(burst: Int, perSecond: Int, maxKeys: Int) {
        self.init(burst: burst, periodNanoseconds: Int64(burst) * 1_000_000_000 / Int64(max(1, perSecond)), maxKeys: maxKeys)
    }

    /// Takes a token from `key`'s bucket (a full one for a key not seen lately).
    public mutating func take(_ key: Key, now: Int64) -> TokenBucket.Decision {
        var bucket = current.removeValue(forKey: key)
            ?? previous.removeValue(forKey: key)
            ?? TokenBucket(capacity: burst, periodNanoseconds: periodNanoseconds, now: now)
        let decision = bucket.requestArrived(at: now)
        if current.count >= maxKeys / 2 {
            previous = current
            current = [:]
        }
        current[key] = bucket
        return decision
    }

    /// Buckets kept now (never above `maxKeys`).
    public var count: Int { current.count + previous.count }
}
