/// A position in one channel: the channel's epoch and the sequence number of the last event seen.
///
/// Clients treat it as an opaque `id:` string. The epoch is fixed when a channel comes into being (its
/// creation time, in milliseconds), so a cursor from an earlier life of the channel — before an in-memory
/// gateway restarted, or before an idle channel was dropped and made again — is recognised instead of being
/// silently trusted (the same idea as Centrifugo's offset + epoch pair).
/// Wire form: `<epoch>-<seq>`, both lowercase base 36, short enough to cost little on every event.
public struct EventCursor: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var epoch: UInt64
    public var sequence: UInt64

    public init(epoch: UInt64, sequence: UInt64) {
        self.epoch = epoch
        self.sequence = sequence
    }

    public init?(_ text: Substring) {
        guard let dash = text.firstIndex(of: "-") else { return nil }
        let epochText = text[..<dash], sequenceText = text[text.index(after: dash)...]
        guard Self.isBase36(epochText), Self.isBase36(sequenceText),
              let epoch = UInt64(epochText, radix: 36), let sequence = UInt64(sequenceText, radix: 36)
        else { return nil }
        self.epoch = epoch
        self.sequence = sequence
    }

    public var description: String {
        String(epoch, radix: 36) + "-" + String(sequence, radix: 36)
    }

    public static func < (lhs: EventCursor, rhs: EventCursor) -> Bool {
        (lhs.epoch, lhs.sequence) < (rhs.epoch, rhs.sequence)
    }

    /// Only digits and lowercase letters: `UInt64(_:radix:)` alone would also take `+`, `-` and capitals.
    private static func isBase36(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.count <= 13 && text.utf8.allSatisfy {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
        }
    }
}
