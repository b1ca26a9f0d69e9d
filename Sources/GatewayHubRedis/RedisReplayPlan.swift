import GatewayHub
import GatewayRedis
import GatewaySSE

/// What a subscribe must read from a channel's history, and what to make of what it read: the rules of
/// `MemoryChannel.plan` (gaps evicted / epoch_changed / unknown_position / malformed) over a Redis stream.
///
/// Pure values, so the rules are table-tested without a server. The subscriber is already registered at
/// `delivered` (the node's position when it registered); the replay is history up to and including it.
struct RedisReplayPlan: Equatable {
    /// The range of history to read.
    enum Read: Equatable {
        /// Nothing: the stream starts live at `delivered` (or at the client's own position).
        case nothing
        /// `XRANGE start end`: the entries after `sequence`, up to `delivered`.
        case after(sequence: UInt64)
        /// `XREVRANGE` the newest `count` up to `delivered` (a route's "replay the last N").
        case newest(count: Int)
    }

    /// Why the client cannot get everything it asks for, known before reading.
    enum Problem: Equatable {
        case none
        case epochChanged
        case unknownPosition
        case malformed
    }

    let read: Read
    let problem: Problem
    /// The client's position when it names one in this life: the feed skips events up to it.
    let clientSequence: UInt64?

    /// `start` against the channel's life (`epoch`) and how far Redis has numbered it (`lastSequence`,
    /// at least what the node delivered).
    init(start: StartPosition, epoch: UInt64, lastSequence: UInt64) {
        switch start {
        case .live:
            (read, problem, clientSequence) = (.nothing, .none, nil)
        case .earliest:
            (read, problem, clientSequence) = (.after(sequence: 0), .none, nil)
        case .last(let count):
            (read, problem, clientSequence) = (count > 0 ? .newest(count: count) : .nothing, .none, nil)
        case .malformed:
            (read, problem, clientSequence) = (.nothing, .malformed, nil)
        case .after(let cursor):
            if cursor.epoch != epoch {
                // Another life of the channel: all of this life's history is new to the client.
                (read, problem, clientSequence) = (.after(sequence: 0), .epochChanged, nil)
            } else if cursor.sequence > lastSequence {
                (read, problem, clientSequence) = (.nothing, .unknownPosition, nil)
            } else {
                (read, problem, clientSequence) = (.after(sequence: cursor.sequence), .none, cursor.sequence)
            }
        }
    }

    /// The subscribe's answer pieces, from the entries read (oldest first, none above `delivered`).
    func outcome(channel: String, epoch: UInt64, delivered: UInt64, read entries: [EncodedEvent]) -> (replay: [EncodedEvent], gap: HistoryGap?, position: EventCursor) {
        let current = EventCursor(epoch: epoch, sequence: delivered)
        let beforeFirst = entries.first.map { EventCursor(epoch: epoch, sequence: $0.cursor.sequence - 1) } ?? current
        switch (problem, read) {
        case (.malformed, _):
            return ([], HistoryGap(channel: channel, reason: .malformed), current)
        case (.unknownPosition, _):
            return ([], HistoryGap(channel: channel, reason: .unknownPosition), current)
        case (.epochChanged, _):
            return (entries, HistoryGap(channel: channel, reason: .epochChanged), beforeFirst)
        case (.none, .nothing):
            return ([], nil, EventCursor(epoch: epoch, sequence: max(delivered, clientSequence ?? 0)))
        case (.none, .newest):
            return (entries, nil, beforeFirst)
        case (.none, .after(let sequence)):
            guard clientSequence != nil else { return (entries, nil, beforeFirst) }  // earliest
            let firstWanted = sequence + 1
            let firstKept = entries.first?.cursor.sequence ?? delivered + 1
            guard firstKept > firstWanted else { return (entries, nil, EventCursor(epoch: epoch, sequence: sequence)) }
            // Trimmed past the client's position: say what is gone, then replay what is left.
            let missed = EventCursor(epoch: epoch, sequence: firstWanted)...EventCursor(epoch: epoch, sequence: firstKept - 1)
            return (entries, HistoryGap(channel: channel, reason: .evicted, missed: missed), EventCursor(epoch: epoch, sequence: firstKept - 1))
        }
    }
}
