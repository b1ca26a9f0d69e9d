import NIOCore
import Testing
@testable import GatewayHTTP2

/// The queue's provider states on their own: when the session must submit a data provider, resume a
/// parked one, or do nothing.
@Suite struct HTTP2OutboundQueueTests {
    private func read(_ queue: HTTP2OutboundQueue, capacity: Int = 64) -> HTTP2OutboundQueue.ReadResult {
        let destination = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
        defer { destination.deallocate() }
        return queue.read(into: destination)
    }

    @Test func drainingReadEndsTheProviderAndTheNextAppendSubmitsOne() {
        let queue = HTTP2OutboundQueue()
        #expect(queue.provider == .attached)  // submitted with the response
        #expect(queue.append(ByteBuffer(string: "data: 1\n\n")) == .none)
        #expect(queue.append(ByteBuffer(string: "data: 2\n\n")) == .none)
        #expect(read(queue) == .bytes(count: 18, endOfStream: false, endOfProvider: true))
        #expect(queue.provider == .detached)
        #expect(queue.byteCount == 0)

        #expect(queue.appendIfAccepted(ByteBuffer(string: "data: 3\n\n"))! == (wake: .submitData, queued: 9))
        #expect(queue.append(ByteBuffer(string: "data: 4\n\n")) == .none)  // the new provider reads both
        #expect(read(queue) == .bytes(count: 18, endOfStream: false, endOfProvider: true))
    }

    @Test func partialReadKeepsTheProviderAttached() {
        let queue = HTTP2OutboundQueue()
        _ = queue.append(ByteBuffer(string: String(repeating: "x", count: 100)))
        #expect(read(queue, capacity: 64) == .bytes(count: 64, endOfStream: false, endOfProvider: false))
        #expect(queue.provider == .attached)
        #expect(queue.append(ByteBuffer(string: "y")) == .none)
        #expect(read(queue, capacity: 64) == .bytes(count: 37, endOfStream: false, endOfProvider: true))
    }

    @Test func chunksBehindAreReadInOrderAcrossPartialReads() {
        let queue = HTTP2OutboundQueue()
        for chunk in ["aaaa", "bbbbbb", "cc", "dddddddd"] {
            _ = queue.append(ByteBuffer(string: chunk))
        }
        var received = ""
        var results: [HTTP2OutboundQueue.ReadResult] = []
        for capacity in [3, 5, 3, 4, 5] {
            let destination = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
            defer { destination.deallocate() }
            let result = queue.read(into: destination)
            results.append(result)
            if case .bytes(let count, _, _) = result {
                received += String(decoding: destination[0..<count], as: UTF8.self)
            }
        }
        #expect(received == "aaaabbbbbbccdddddddd")
        #expect(results.last == .bytes(count: 5, endOfStream: false, endOfProvider: true))
        #expect(results.dropLast().allSatisfy { if case .bytes(_, _, false) = $0 { true } else { false } })
        #expect(queue.byteCount == 0)
    }

    @Test func emptyReadParksAndTheNextAppendResumes() {
        let queue = HTTP2OutboundQueue()
        #expect(read(queue) == .deferred)
        #expect(queue.provider == .parked)
        #expect(queue.append(ByteBuffer()) == .none)  // nothing to send: stays parked
        #expect(queue.append(ByteBuffer(string: "data: 1\n\n")) == .resumeData)
        #expect(queue.provider == .attached)
    }

    @Test func finishAfterDrainSubmitsAProviderForEndStream() {
        let queue = HTTP2OutboundQueue()
        _ = queue.append(ByteBuffer(string: "data: 1\n\n"))
        _ = read(queue)
        #expect(queue.finish() == .submitData)
        #expect(!queue.acceptsBytes)
        #expect(read(queue) == .bytes(count: 0, endOfStream: true, endOfProvider: true))
    }

    @Test func finishWithBytesQueuedEndsOnTheLastFrame() {
        let queue = HTTP2OutboundQueue()
        _ = queue.append(ByteBuffer(string: "data: 1\n\n"))
        #expect(queue.finish() == .none)
        #expect(read(queue) == .bytes(count: 9, endOfStream: true, endOfProvider: true))
    }

    @Test func completeBodyEndsTheStream() {
        let queue = HTTP2OutboundQueue(completeBody: ByteBuffer(string: "{}"))
        #expect(queue.appendIfAccepted(ByteBuffer(string: "late")) == nil)
        #expect(read(queue) == .bytes(count: 2, endOfStream: true, endOfProvider: true))
    }

    @Test func discardedQueueParksAndTakesNothing() {
        let queue = HTTP2OutboundQueue()
        _ = queue.append(ByteBuffer(string: "data: 1\n\n"))
        queue.discard()
        #expect(queue.byteCount == 0)
        #expect(queue.appendIfAccepted(ByteBuffer(string: "data: 2\n\n")) == nil)
        #expect(read(queue) == .deferred)
    }
}
