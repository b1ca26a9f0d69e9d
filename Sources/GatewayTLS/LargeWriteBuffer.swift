import NIOCore

/// One event loop's large output buffer, lent to one connection's write at a time and taken back once
/// the channel has let go of it, so bulk sends (200 KB events, history replays) reuse memory that is
/// already mapped instead of a fresh allocation per write.
///
/// Why: a write of a quarter MB of plaintext or ciphertext grows its ByteBuffer to 512 KiB. glibc serves
/// that with mmap (or trims it back to the kernel when freed), so every write touched fresh pages: in the
/// large-event profile a third of the server's CPU went to page faults, zeroing and unmapping those pages.
/// Reused, the pages stay mapped and warm in the cache.
///
/// Sharing is safe by ByteBuffer's copy-on-write: `borrow` hands the buffer out only when nothing else
/// (the socket's pending writes, a TLS handler holding plaintext) still references it, and `giveBack`
/// keeps just another reference. A connection that gets nil allocates as before. Single-threaded: use it
/// only on its loop.
public final class LargeWriteBuffer {
    /// Buffers smaller than this are cheap to allocate (malloc's free lists serve them) and not kept.
    public static let minimumKeptCapacity = 64 * 1024

    private var spare: ByteBuffer?

    public init() {}

    /// The kept buffer, emptied, if nothing else references it any more; nil otherwise.
    public func borrow() -> ByteBuffer? {
        guard var buffer = self.spare else { return nil }
        self.spare = nil
        guard buffer.modifyIfUniquelyOwned({ $0.clear() }) != nil else { return nil }
        return buffer
    }

    /// Keeps a reference to `buffer` (just handed to the channel) for a later `borrow`, if it is large.
    public func giveBack(_ buffer: ByteBuffer) {
        if buffer.capacity >= Self.minimumKeptCapacity {
            self.spare = buffer
        }
    }
}
