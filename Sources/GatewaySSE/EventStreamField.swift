/// The field names `EventStreamParser` acts on, matched by their bytes.
///
/// Why bytes: the parser used to switch on `String(decoding: name)`, one String and a Unicode-aware
/// comparison per line; in the load client's profile that was a visible part of the parser's third of the
/// CPU. Field names are compared exactly, byte for byte (§9.2.6: "If the field name is "event"" etc., no
/// case folding or normalisation), so a byte comparison is the same rule.
enum EventStreamField {
    case data, event, id, retry

    /// The field `name` stands for, or nil for a field the spec says to ignore.
    @inline(__always)
    init?(_ name: UnsafeRawBufferPointer) {
        switch name.count {
        case 4 where Self.matches(name, "data"): self = .data
        case 5 where Self.matches(name, "event"): self = .event
        case 2 where Self.matches(name, "id"): self = .id
        case 5 where Self.matches(name, "retry"): self = .retry
        default: return nil
        }
    }

    /// `name` has exactly the bytes of `expected` (the caller has checked the count).
    @inline(__always)
    private static func matches(_ name: UnsafeRawBufferPointer, _ expected: StaticString) -> Bool {
        let bytes = UnsafeRawBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount)
        guard name.count == bytes.count else { return false }
        for index in 0..<bytes.count where name[index] != bytes[index] { return false }
        return true
    }
}
