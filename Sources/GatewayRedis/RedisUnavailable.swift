/// The pool has no connection to Redis and no first attempt under way: the command was not sent. Fails
/// fast (no waiting for a reconnect) so a publish can answer 503 at once; `RedisConnectionError` from a
/// pooled command means the same to an HTTP caller, except that that command may have run.
public struct RedisUnavailable: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why the last connection attempt failed, when one did.
    public let lastError: RedisConnectionError?
    /// The client was shut down.
    public let shutDown: Bool

    public init(lastError: RedisConnectionError?, shutDown: Bool = false) {
        self.lastError = lastError
        self.shutDown = shutDown
    }

    public var description: String {
        if self.shutDown { return "Redis unavailable: the client was shut down" }
        return "Redis unavailable" + (self.lastError.map { ": \($0)" } ?? "")
    }
}
