import GatewaySSE

/// What an operator sees of one channel: its subscribers on this node and what its history holds.
public struct ChannelSummary: Sendable, Hashable {
    public var name: String
    /// Streams of this node subscribed to it.
    public var subscribers: Int
    /// Events held in its history.
    public var historyCount: Int
    /// Wire bytes held in its history.
    public var historyBytes: Int
    /// The oldest event still in history; nil when history is empty.
    public var firstID: EventCursor?
    /// The last id the channel assigned (in history or not); nil before its first publish.
    public var lastID: EventCursor?

    public init(name: String, subscribers: Int, historyCount: Int, historyBytes: Int, firstID: EventCursor?, lastID: EventCursor?) {
        self.name = name
        self.subscribers = subscribers
        self.historyCount = historyCount
        self.historyBytes = historyBytes
        self.firstID = firstID
        self.lastID = lastID
    }
}
