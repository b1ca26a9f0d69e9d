/// A Lua script the engine runs atomically (id assignment, idempotent publish), named by its SHA-1 so it
/// travels once per server, not once per call.
public struct RedisScript: Sendable, Hashable {
    public let source: String
    /// Lower-case hex SHA-1 of `source`: the name `EVALSHA` and `SCRIPT LOAD` use.
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        self.sha1 = SHA1.hexDigest(source)
    }
}
