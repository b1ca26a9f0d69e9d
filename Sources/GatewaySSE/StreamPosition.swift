/// Where a stream stands in each of its channels; its text is the `id:` of every event the stream sends,
/// so a reconnecting client hands it back as `Last-Event-ID` and resumes every channel exactly.
///
/// One channel: `<epoch>-<seq>` (an `EventCursor`). Several channels: their cursors in channel-name order,
/// joined by `.`, e.g. `mwraxk2n-5.mwrb01a2-12`. Channel names are not in the id: the stream's URL names
/// them again on reconnect, and the name order makes the id independent of the order in the URL.
public struct StreamPosition: Sendable, Hashable, CustomStringConvertible {
    /// Cursors by channel name.
    public private(set) var cursors: [String: EventCursor]
    /// Channel names in id order (sorted), fixed for the stream's life.
    public let channels: [String]

    public init(channels: [String], cursors: [String: EventCursor] = [:]) {
        self.channels = channels.sorted()
        self.cursors = cursors
    }

    /// What a client sent as `Last-Event-ID` (or `lastEventId`), interpreted for these channels.
    public enum Parsed: Sendable, Hashable {
        /// `earliest`: replay everything still in history.
        case earliest
        /// A cursor for every channel.
        case cursors([String: EventCursor])
        /// Not an id this stream could have sent (wrong shape, wrong number of channels).
        case malformed
    }

    /// Parses a client-supplied id for a stream of `channels`.
    public static func parse(_ text: String, channels: [String]) -> Parsed {
        if text == "earliest" { return .earliest }
        let ordered = channels.sorted()
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == ordered.count else { return .malformed }
        var cursors: [String: EventCursor] = [:]
        for (channel, part) in zip(ordered, parts) {
            guard let cursor = EventCursor(part) else { return .malformed }
            cursors[channel] = cursor
        }
        return .cursors(cursors)
    }

    public mutating func advance(_ channel: String, to cursor: EventCursor) {
        cursors[channel] = cursor
    }

    /// The id text. A channel with no known position yet (a live-only start before its first event)
    /// writes `0-0`, which resumes as "everything of whatever epoch the channel has" — reported as a gap
    /// only if history no longer covers it.
    public var description: String {
        channels.map { (cursors[$0] ?? EventCursor(epoch: 0, sequence: 0)).description }.joined(separator: ".")
    }
}
