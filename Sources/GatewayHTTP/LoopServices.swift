import GatewayTLS
import NIOCore

/// What the streams of one event loop share: the heartbeat wheel, the flush batcher, the idle-memory sweeper,
/// the buffer HTTP/1.1 chunks are framed in, and the reusable buffers of large writes (HTTP/2 output
/// before encryption, TLS ciphertext).
///
/// Only used on its own loop, so it needs no locks; `@unchecked Sendable` only lets the per-loop table
/// be built once and read from each loop.
public final class LoopServices: @unchecked Sendable {
    public let eventLoop: any EventLoop
    public let heartbeats: HeartbeatWheel
    let flushes: FlushBatcher
    let idleMemory: IdleMemorySweeper
    let chunkScratch = HTTP1ChunkScratch()
    /// HTTP/2 output of one flush, before the TLS handler encrypts it (`HTTP2ConnectionHandler.flushNow`).
    let largePlaintext = LargeWriteBuffer()
    /// Ciphertext of one large send; handed to this loop's server-side `TLSHandler`s.
    public let largeCiphertext = LargeWriteBuffer()

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.heartbeats = HeartbeatWheel(eventLoop: eventLoop)
        self.flushes = FlushBatcher(eventLoop: eventLoop)
        self.idleMemory = IdleMemorySweeper(eventLoop: eventLoop)
    }
}

/// One `LoopServices` per loop of the group, looked up by the loop a connection lives on.
public struct LoopServiceTable: Sendable {
    private let contexts: [ObjectIdentifier: LoopServices]

    public init(group: any EventLoopGroup) {
        var contexts: [ObjectIdentifier: LoopServices] = [:]
        for loop in group.makeIterator() {
            contexts[ObjectIdentifier(loop)] = LoopServices(eventLoop: loop)
        }
        self.contexts = contexts
    }

    public func services(for loop: any EventLoop) -> LoopServices {
        guard let context = contexts[ObjectIdentifier(loop)] else {
            preconditionFailure("connection on an event loop outside the server's group")
        }
        return context
    }

    /// Every loop's services, for work that visits all of them (a reload's stream sweep, a paced drain).
    public var all: [LoopServices] { Array(contexts.values) }

    public func stop() {
        for context in contexts.values {
            context.eventLoop.execute { context.heartbeats.stop() }
        }
    }
}
