/// A position in one channel: the history epoch and the sequence number of the last event seen.
///
/// Clients treat it as an opaque `id:` string. The epoch changes whenever history is lost (an in-memory
/// gateway restarting), so a cursor from before the loss is recognised instead of silently trusted
/// (Centrifugo's offset+epoch, shared/research/reliability-security.md §4.2). Wire form: `<epoch>-<seq>`,
/// both lowercase base 36, short enough to cost little on every event.
public struct EventCursor: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var epoch: UInt64
    public var sequence: UInt64

    public init(epoch: UInt64, sequence: UInt64) {
        self.epoch = epoch
        self.sequence = sequence
    }

    public init?(_ text: Substring) {
        guard let dash = text.firstIndex(of: "-"),
              let epoch = UInt64(text[..<dash], radix: 36),
              let sequence = UInt64(text[text.index(after: dash)...], radix: 36),
              !text[..<dash].contains("+"), !text[text.index(after: dash)...].contains(where: { $0 == "+" || $0 == "-" })
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
}
