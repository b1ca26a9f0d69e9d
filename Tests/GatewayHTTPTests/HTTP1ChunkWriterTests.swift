import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import GatewayHTTP

/// The chunk writer must put exactly the bytes on the wire that NIO's `HTTPResponseEncoder` would, for
/// every size class: one-digit and multi-digit hex sizes, and events above the copy limit.
@Suite struct HTTP1ChunkWriterTests {
    private let events: [ByteBuffer] = [
        ByteBuffer(string: "data: 1\n\n"),
        ByteBuffer(string: String(repeating: "x", count: 255)),
        ByteBuffer(string: String(repeating: "y", count: 4_096)),
        ByteBuffer(string: String(repeating: "z", count: 40_000)),
        ByteBuffer(string: "data: last\n\n"),
    ]

    private func channelWithHead() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(HTTP1Wire())  // what the chunk writer writes from
        try channel.pipeline.syncOperations.addHandler(HTTPResponseEncoder())
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/event-stream")
        try channel.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)))
        return channel
    }

    private func outbound(_ channel: EmbeddedChannel) throws -> (bytes: [UInt8], writes: Int) {
        var bytes: [UInt8] = []
        var writes = 0
        while let buffer = try channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let buffer) = buffer else { continue }
            bytes += buffer.readableBytesView
            writes += 1
        }
        return (bytes, writes)
    }

    @Test func framesEventsExactlyAsNIOsEncoderDoes() throws {
        let reference = try channelWithHead()
        for event in events {
            try reference.writeOutbound(HTTPServerResponsePart.body(.byteBuffer(event)))
        }
        try reference.writeOutbound(HTTPServerResponsePart.end(nil))

        let channel = try channelWithHead()
        var writer = try #require(HTTP1ChunkWriter(pipeline: channel.pipeline.syncOperations, scratch: HTTP1ChunkScratch()))
        for event in events { writer.append(event) }
        writer.append(ByteBuffer())  // an empty event adds nothing (an empty chunk would end the body)
        writer.flush()
        writer.writePending()
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))

        let written = try outbound(channel).bytes
        #expect(written.count > 44_000)  // every event is in there
        #expect(written == (try outbound(reference).bytes))
    }

    /// With the encoder out of the pipeline (a stream's end), the writer's own last chunk is the encoder's.
    @Test func lastChunkIsWhatTheEncoderWritesForTheEnd() throws {
        let reference = try channelWithHead()
        try reference.writeOutbound(HTTPServerResponsePart.body(.byteBuffer(events[0])))
        try reference.writeOutbound(HTTPServerResponsePart.end(nil))

        let channel = try channelWithHead()
        var writer = try #require(HTTP1ChunkWriter(pipeline: channel.pipeline.syncOperations, scratch: HTTP1ChunkScratch()))
        try channel.pipeline.syncOperations.removeHandler(context: channel.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self), promise: nil)
        writer.append(events[0])
        writer.writeLastChunk(promise: nil)
        channel.flush()

        let written = try outbound(channel).bytes
        #expect(String(decoding: written.suffix(5), as: UTF8.self) == "0\r\n\r\n")
        #expect(written == (try outbound(reference).bytes))
    }

    @Test func smallEventsOfOneBatchLeaveAsOneWrite() throws {
        let channel = try channelWithHead()
        _ = try outbound(channel)  // the head
        var writer = try #require(HTTP1ChunkWriter(pipeline: channel.pipeline.syncOperations, scratch: HTTP1ChunkScratch()))
        for index in 0..<20 { writer.append(ByteBuffer(string: "data: \(index)\n\n")) }
        #expect(writer.pendingBytes > 0)
        #expect(try outbound(channel).writes == 0)  // nothing before the flush
        writer.flush()
        #expect(writer.pendingBytes == 0)
        #expect(try outbound(channel).writes == 1)
    }

    /// A lone event is framed into the loop's shared scratch buffer when sent. Connections whose earlier
    /// chunk is still held below (here: the embedded channel keeps every write until it is read) must keep
    /// their bytes when the scratch frames the next connection's event, and every event arrives framed.
    @Test func loneEventsSharingTheLoopsScratchArriveIntact() throws {
        let scratch = HTTP1ChunkScratch()
        var channels: [EmbeddedChannel] = []
        var writers: [HTTP1ChunkWriter] = []
        for _ in 0..<3 {
            let channel = try channelWithHead()
            _ = try outbound(channel)  // the head
            channels.append(channel)
            writers.append(try #require(HTTP1ChunkWriter(pipeline: channel.pipeline.syncOperations, scratch: scratch)))
        }
        for round in 0..<2 {
            for index in writers.indices {
                let event = ByteBuffer(string: "data: \(round)-\(index)\n\n")
                writers[index].append(event)
                #expect(writers[index].pendingBytes == event.readableBytes + 5)  // "b\r\n" + data + "\r\n"
                writers[index].flush()
                #expect(writers[index].pendingBytes == 0)
            }
        }
        for (index, channel) in channels.enumerated() {
            let written = try outbound(channel)
            #expect(written.writes == 2)
            #expect(String(decoding: written.bytes, as: UTF8.self) == "b\r\ndata: 0-\(index)\n\n\r\nb\r\ndata: 1-\(index)\n\n\r\n")  // 11 bytes each
        }
    }
}
