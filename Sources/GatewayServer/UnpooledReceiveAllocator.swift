import NIOCore

/// Receive buffers that live for one read, so an idle connection holds none.
///
/// NIO keeps each channel's receive buffers in a pool for reuse (`NIOPooledRecvBufferAllocator`, one buffer
/// per `maxMessagesPerRead`), grown to the largest read the connection ever made, for the connection's life.
/// For a public connection that is mostly idle (an SSE stream reads a ClientHello and a few requests, then
/// only control frames) that is 0.5–2 KiB held per connection for nothing: 20 bytes per stream at 100
/// streams per connection, the largest of our per-connection costs after OpenSSL's and nghttp2's.
///
/// The pool has no switch for it, so this works with how it decides:
/// - it stores the *first* buffer it is given and never drops it: the first one is made tiny (one read of
///   `firstReadSize` bytes, a ClientHello's first bytes or the start of a request line);
/// - it reuses (and grows) stored buffers only when the allocator names a size (`nextBufferSize()`) or says
///   reads will not grow (`record` false): this one names none and always says they may grow, so every
///   later read gets a fresh buffer, which is freed once the pipeline has consumed its bytes;
/// - it stores further buffers while it holds fewer than `maxMessagesPerRead`: the channel must read one
///   message per wake-up (`maxMessagesPerRead` 1), which is also what `GatewayServer` sets for it.
///
/// A fresh 2 KiB buffer per read is a thread-cached malloc and free, and only public connections use this
/// (their inbound traffic is small); trusted listeners keep NIO's pooled, adaptive buffers for publishes.
struct UnpooledReceiveAllocator: RecvByteBufferAllocator {
    /// The one buffer NIO keeps: big enough for any preface check to make progress, small enough to be
    /// nothing next to the connection's TLS state.
    static let firstReadSize = 64

    /// Each later read's buffer. A read that fills it is followed by another on the next wake-up.
    let readSize: Int
    private var firstReadDone = false

    init(readSize: Int) {
        precondition(readSize >= Self.firstReadSize)
        self.readSize = readSize
    }

    func buffer(allocator: ByteBufferAllocator) -> ByteBuffer {
        allocator.buffer(capacity: firstReadDone ? readSize : Self.firstReadSize)
    }

    /// No size named: the pool then never reuses the buffer it stored (see above).
    func nextBufferSize() -> Int? { nil }

    mutating func record(actualReadBytes: Int) -> Bool {
        firstReadDone = true
        return true
    }
}
