/// The first step of a paced drain, sent to every connection: HTTP/2 connections send GOAWAY (no new
/// streams) and HTTP/1.1 keep-alive connections stop taking requests, while the streams already open keep
/// flowing. The application ends each stream at its own moment of the drain window, and each connection
/// closes after its last stream. `DrainEvent` is the hard stop at the deadline.
public struct GoAwayEvent: Sendable {
    public init() {}
}
