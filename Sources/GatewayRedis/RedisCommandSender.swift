import NIOCore

/// Anything that sends a command and answers with its reply: a single `RedisConnection`, or the pooled
/// `RedisClient`. The typed helpers (`xadd`, `set`, `evalScript`...) are extensions on this protocol, so
/// the engine calls the same names on either.
public protocol RedisCommandSender: Sendable {
    /// Where the returned futures complete.
    var eventLoop: any EventLoop { get }

    /// Sends one command. A `-ERR` reply fails the future with `RedisServerError`; a lost connection with
    /// `RedisConnectionError`; a pool with no connection with `RedisUnavailable`.
    func send(_ arguments: [RedisArgument]) -> EventLoopFuture<RESPValue>
}
