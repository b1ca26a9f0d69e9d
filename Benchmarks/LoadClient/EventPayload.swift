import NIOCore

/// The data of one benchmark event: `<run> <channel> <seq> <scheduledNanos> <sentNanos> <checksum> <padding>`.
///
/// `scheduled` is when the rate says the publish was due, `sent` when it was written: a server that
/// answers publishes slowly makes them queue in the client, and latency from `scheduled` counts that
/// wait (no coordinated omission) while latency from `sent` does not. `run` tells this run's events from earlier ones on the same channel; `checksum` is FNV-1a 64 over the
/// padding (0 when not verified), so a large event can be checked intact on arrival.
struct EventPayload {
    var run: UInt32
    var channel: Int
    var sequence: Int
    var scheduledNanoseconds: UInt64
    var sentNanoseconds: UInt64
    var checksum: UInt64

    /// Builds the publish body. The padding is `x` up to `size` bytes, or pseudo-random letters when
    /// `verified` (then the checksum covers them).
    static func body(
        run: UInt32, channel: Int, sequence: Int, scheduled: UInt64, size: Int, verified: Bool
    ) -> ByteBuffer {
        let sent = monotonicNanoseconds()
        var padding: [UInt8] = []
        let headerEstimate = 64
        let paddingCount = max(0, size - headerEstimate)
        var checksum: UInt64 = 0
        if verified {
            padding.reserveCapacity(paddingCount)
            var state = UInt64(sequence) &* 0x9E37_79B9_7F4A_7C15 | 1
            for _ in 0..<paddingCount {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                padding.append(UInt8(ascii: "a") + UInt8(state % 26))
            }
            checksum = fnv1a(padding[...])
        } else {
            padding = [UInt8](repeating: UInt8(ascii: "x"), count: paddingCount)
        }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(paddingCount + headerEstimate)
        buffer.writeString("\(run) \(channel) \(sequence) \(scheduled) \(sent) \(checksum) ")
        buffer.writeBytes(padding)
        return buffer
    }

    /// Parses the fields from an event's data; nil if it is not one of ours. `intact` is false when the
    /// checksum does not match the padding.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> (payload: EventPayload, intact: Bool)? {
        // In place over the event's bytes (the parser's buffer), with no String or array for the fields: this
        // runs once per delivery in a client that shares the cores with the server it measures.
        var fields: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        var count = 0
        var value: UInt64 = 0
        var digits = 0
        var paddingStart = -1
        for index in bytes.indices {
            let byte = bytes[index]
            if byte == UInt8(ascii: " ") {
                guard digits > 0 else { return nil }
                switch count {
                case 0: fields.0 = value
                case 1: fields.1 = value
                case 2: fields.2 = value
                case 3: fields.3 = value
                case 4: fields.4 = value
                default: fields.5 = value
                }
                count += 1
                value = 0
                digits = 0
                if count == 6 {
                    paddingStart = index + 1
                    break
                }
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                value = value &* 10 &+ UInt64(byte - UInt8(ascii: "0"))
                digits += 1
            } else {
                return nil
            }
        }
        guard count == 6, paddingStart >= 0 else { return nil }
        let payload = EventPayload(
            run: UInt32(truncatingIfNeeded: fields.0), channel: Int(fields.1), sequence: Int(fields.2),
            scheduledNanoseconds: fields.3, sentNanoseconds: fields.4, checksum: fields.5)
        var intact = true
        if payload.checksum != 0 {
            intact = fnv1a(UnsafeRawBufferPointer(rebasing: bytes[paddingStart...])) == payload.checksum
        }
        return (payload, intact)
    }
}

/// FNV-1a 64-bit.
func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
    }
    return hash == 0 ? 1 : hash
}
