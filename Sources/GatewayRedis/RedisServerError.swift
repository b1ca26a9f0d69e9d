/// The server refused one command (`-ERR ...`, `-WRONGTYPE ...`, `-NOSCRIPT ...`): the connection is fine
/// and the commands around this one are unaffected.
public struct RedisServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The whole error line without the leading `-`, e.g. `ERR unknown command 'FOO'`.
    public let message: String

    public init(message: String) {
        self.message = message
    }

    /// The first word, by Redis convention the error's kind: `ERR`, `WRONGTYPE`, `NOSCRIPT`, `WRONGPASS`,
    /// `NOAUTH`, `BUSY`, `LOADING`...
    public var code: String {
        String(self.message.prefix { $0 != " " })
    }

    public var description: String { "Redis error: \(self.message)" }
}
