/// What the Redis engine tells its owner, for the server to log: the engine itself never logs
/// (logging lives in the server layer).
public enum RedisEngineEvent: Sendable, Equatable {
    /// The node's reader lost Redis; it retries with backoff, streams stay open on heartbeats.
    case readerFailed(String, failures: Int)
    /// The reader reads again after a failure, each channel from the last id it delivered.
    case readerResumed(channels: Int)
    /// A channel began a new life in Redis (made again after it expired, or Redis lost it): this node's
    /// streams of it end, and their clients learn of it as an `epoch_changed` gap when they reconnect.
    case epochChanged(channel: String, from: UInt64, to: UInt64?)
    /// This node read a channel too late: Redis had trimmed these sequence numbers. Its streams end, and
    /// their clients reconnect to an `evicted` gap. (Raise the history limits if this recurs.)
    case fellBehind(channel: String, missed: ClosedRange<UInt64>)
}
