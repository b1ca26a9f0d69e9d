/// A typed helper got a reply of a shape its command never answers with (a different server, a key of
/// another type behind a script, a proxy in between). The connection itself is fine.
public struct RedisReplyError: Error, Sendable, Hashable, CustomStringConvertible {
    public let command: String
    public let reply: RESPValue

    public init(command: String, reply: RESPValue) {
        self.command = command
        self.reply = reply
    }

    public var description: String { "unexpected reply to \(self.command): \(self.reply)" }
}
