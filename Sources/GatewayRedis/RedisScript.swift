import Synchronization

/// A Lua script the engine runs atomically (id assignment, idempotent publish), sent once per server and
/// then named by the SHA-1 that `SCRIPT LOAD` answered.
///
/// Why the server names it: `EVALSHA` wants the script's SHA-1 in hex, and Redis computes it for us in
/// `SCRIPT LOAD`. Remembering that answer avoids hand-written crypto in this layer (an earlier version
/// carried its own SHA-1) and needs no OpenSSL link. The name is learnt on first use and again after
/// `NOSCRIPT` (a restarted or flushed server); all servers answer the same name for the same source.
public final class RedisScript: Sendable {
    public let source: String
    /// The name `SCRIPT LOAD` answered, once it has been loaded.
    private let loadedName = Mutex<String?>(nil)

    public init(_ source: String) {
        self.source = source
    }

    /// The SHA-1 the server gave for this script, nil before the first load.
    public var sha1: String? { self.loadedName.withLock { $0 } }

    func remember(_ sha1: String) {
        self.loadedName.withLock { $0 = sha1 }
    }
}
