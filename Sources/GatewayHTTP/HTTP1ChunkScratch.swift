import NIOCore

/// One event loop's buffer for framing an HTTP/1.1 event chunk at send time (see `HTTP1ChunkWriter`).
///
/// Why: in a fan-out every connection sends one small chunk per event, and a buffer of its own per chunk
/// was two allocations per delivery (the storage object and its bytes). The chunk is encrypted (or handed
/// to the socket) during the flush that takes it, after which nothing else references this buffer, so the
/// next connection's chunk reuses the same memory. When something does still hold it (TLS inside a read
/// cycle, a socket that did not take everything), `clear()` gives this buffer new storage and the holder
/// keeps the old bytes: ByteBuffer's copy-on-write makes sharing safe.
final class HTTP1ChunkScratch {
    private var buffer = ByteBufferAllocator().buffer(capacity: 256)

    /// `event` framed as one chunk, in this scratch's storage.
    func frame(_ event: ByteBuffer) -> ByteBuffer {
        buffer.clear()
        HTTP1ChunkWriter.frame(event, into: &buffer)
        return buffer
    }
}
