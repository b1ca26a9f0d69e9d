import NIOCore

/// One subscribed stream: what it received of this run's events (its SSE parser is in `LoopRecorder`).
///
/// Publishes travel over several connections, so one channel's events may be reordered (an overloaded
/// server can serve one publish connection well behind the others). A 1024-wide circular bitmap below
/// the highest sequence seen tells duplicates from late arrivals; anything older is counted as `stale`
/// (neither received nor duplicated). The bitmap is allocated on the first event: idle streams cost none.
/// The count of distinct events gives losses against what was published to the channel.
struct StreamTracker {
    static let windowBits = 1024

    let channel: Int
    var highestSequence = -1
    var window: [UInt64] = []
    var received = 0
    var duplicates = 0
    var stale = 0
    var corrupt = 0
    var foreign = 0
    var opened = false
    var closed = false

    init(channel: Int) {
        self.channel = channel
    }

    enum Arrival { case new, duplicate, stale }

    /// Marks `sequence` received.
    mutating func accept(_ sequence: Int) -> Arrival {
        let bits = Self.windowBits
        if self.window.isEmpty {
            self.window = Array(repeating: 0, count: bits / 64)
        }
        if sequence > self.highestSequence {
            if sequence - self.highestSequence >= bits {
                for word in self.window.indices { self.window[word] = 0 }
            } else {
                var cleared = self.highestSequence + 1
                while cleared < sequence {
                    self.clear(cleared)
                    cleared += 1
                }
            }
            self.highestSequence = sequence
            self.set(sequence)
            return .new
        }
        guard self.highestSequence - sequence < bits else { return .stale }
        if self.isSet(sequence) { return .duplicate }
        self.set(sequence)
        return .new
    }

    private func slot(_ sequence: Int) -> (word: Int, mask: UInt64) {
        let bit = sequence % Self.windowBits
        return (bit / 64, 1 << UInt64(bit % 64))
    }

    private mutating func set(_ sequence: Int) {
        let (word, mask) = self.slot(sequence)
        self.window[word] |= mask
    }

    private mutating func clear(_ sequence: Int) {
        let (word, mask) = self.slot(sequence)
        self.window[word] &= ~mask
    }

    private func isSet(_ sequence: Int) -> Bool {
        let (word, mask) = self.slot(sequence)
        return self.window[word] & mask != 0
    }
}
