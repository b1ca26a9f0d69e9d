#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte searches over an event's data with `memchr`.
///
/// Why: the generic `firstIndex(where:)`/`contains` over `String.UTF8View` walk one byte at a time through
/// the string's index machinery. An event is scanned twice on its way in (NUL check, line splitting), once
/// per loop; for 200 KB events those two walks were ~8% of the server's CPU in the large-event profile,
/// although the event's bytes are only 1/50 of what the server then writes. `memchr` scans a word or a
/// vector at a time.
enum ByteScan {
    /// Offset of the first CR or LF at or after `start`, or nil.
    static func firstLineBreak(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress else { return nil }
        let length = bytes.count - start
        let lineFeed = memchr(base + start, Int32(UInt8(ascii: "\n")), length)
        // CR is rare: search for it only up to the LF found (or to the end).
        let crLimit = lineFeed.map { base.distance(to: UnsafeRawPointer($0)) - start } ?? length
        if crLimit > 0, let carriageReturn = memchr(base + start, Int32(UInt8(ascii: "\r")), crLimit) {
            return base.distance(to: UnsafeRawPointer(carriageReturn))
        }
        return lineFeed.map { base.distance(to: UnsafeRawPointer($0)) }
    }

    /// Offset of the first `byte` in `bytes`, or nil.
    static func firstIndex(of byte: UInt8, in bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress, bytes.count > 0,
              let found = memchr(base, Int32(byte), bytes.count) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// Whether `bytes` holds `byte`.
    static func contains(_ byte: UInt8, in bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return false }
        return memchr(base, Int32(byte), bytes.count) != nil
    }
}

extension String {
    /// Runs `body` over the string's UTF-8 bytes, contiguous (native strings are; others are copied once).
    func withUTF8Bytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        if let result = self.utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(self.utf8).withUnsafeBytes(body)
    }
}
