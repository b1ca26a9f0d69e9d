import Foundation
import Synchronization

/// Tokens this verifier has already verified, so the same token presented again (an EventSource reconnecting,
/// a page opening several streams, a server consumer with many) skips the JSON decoding and the signature.
///
/// Why it is safe: an entry is keyed by the whole token text, signature included, and lives in one
/// ``TokenVerifier``, whose keys and claim rules never change (a reload builds a new verifier, with an empty
/// cache). Only successes are kept. What depends on the clock, `exp` and `nbf`, is checked again on every hit,
/// with the same comparisons and leeway as the first verification, so a cached token expires exactly when an
/// uncached one would.
///
/// Bounded in entries and in the size of a token, in two generations: when the current one is full it
/// becomes the previous one and the old previous one is dropped, so a burst of distinct tokens (an attacker's,
/// each of which had to verify) evicts at most one generation, and tokens in use stay.
final class VerifiedTokenCache: Sendable {
    /// Entries per generation.
    static let generationCapacity = 2048
    /// Longer tokens are verified every time: they are rare, and the bound keeps the cache under
    /// 2 × 2,048 × 2 KiB of token text.
    static let maximumCachedTokenBytes = 2048

    struct Entry: Sendable {
        let token: VerifiedToken
        let notBefore: Date?
    }

    private struct Generations {
        var current: [String: Entry] = [:]
        var previous: [String: Entry] = [:]
    }

    private let generations = Mutex(Generations())

    func entry(for token: String) -> Entry? {
        generations.withLock { generations in
            if let entry = generations.current[token] { return entry }
            guard let entry = generations.previous.removeValue(forKey: token) else { return nil }
            Self.insert(entry, for: token, into: &generations)
            return entry
        }
    }

    func remember(_ entry: Entry, for token: String) {
        guard token.utf8.count <= Self.maximumCachedTokenBytes else { return }
        generations.withLock { Self.insert(entry, for: token, into: &$0) }
    }

    /// Entries held, both generations (tests).
    var count: Int { generations.withLock { $0.current.count + $0.previous.count } }

    private static func insert(_ entry: Entry, for token: String, into generations: inout Generations) {
        if generations.current.count >= generationCapacity {
            generations.previous = generations.current
            generations.current = [:]
        }
        generations.current[token] = entry
    }
}
