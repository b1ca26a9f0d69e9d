import NIOCore

extension TimeAmount {
    /// Config values are `Duration`s; NIO schedules with `TimeAmount`.
    public init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
