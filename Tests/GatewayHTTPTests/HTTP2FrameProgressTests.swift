@testable import GatewayHTTP
import NIOCore
import Testing

/// The frame-boundary count behind the deadline for HTTP/2 frames cut short.
@Suite struct HTTP2FrameProgressTests {
    private let head = TimeAmount.seconds(15)
    private let body = TimeAmount.seconds(10)
    private let preface = ByteBuffer(string: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")

    private func frame(type: UInt8, payload: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeBytes([UInt8(payload >> 16), UInt8(payload >> 8 & 0xFF), UInt8(payload & 0xFF), type, 0, 0, 0, 0, 1])
        buffer.writeRepeatingByte(0, count: payload)
        return buffer
    }

    @Test func wholeFramesLeaveNothingToWatch() {
        var progress = HTTP2FrameProgress()
        let now = NIODeadline.uptimeNanoseconds(1_000)
        #expect(progress.deadline(headTimeout: head, bodyTimeout: body) == nil)  // nothing arrived yet
        var bytes = preface
        var settings = frame(type: 4, payload: 0)
        var headers = frame(type: 1, payload: 40)
        bytes.writeBuffer(&settings)
        bytes.writeBuffer(&headers)
        progress.consume(bytes, at: now)
        #expect(progress.deadline(headTimeout: head, bodyTimeout: body) == nil)
    }

    @Test func aFrameCutShortMustCompleteWithinTheHeadTimeoutOfItsFirstByte() {
        var progress = HTTP2FrameProgress()
        let start = NIODeadline.uptimeNanoseconds(1_000)
        progress.consume(preface, at: start)
        let headers = frame(type: 1, payload: 40)
        progress.consume(headers.getSlice(at: 0, length: 5)!, at: start)  // a frame header cut short
        #expect(progress.deadline(headTimeout: head, bodyTimeout: body) == start + head)
        progress.consume(headers.getSlice(at: 5, length: 20)!, at: start + .seconds(5))  // more does not extend it
        #expect(progress.deadline(headTimeout: head, bodyTimeout: body) == start + head)
        #expect(progress.expired(at: start + head, headTimeout: head, bodyTimeout: body) == .requestHead)
        progress.consume(headers.getSlice(at: 25, length: 24)!, at: start + .seconds(6))
        #expect(progress.deadline(headTimeout: head, bodyTimeout: body) == nil)
    }

    @Test func aDataFrameCutShortMayNotPauseLongerThanTheBodyTimeout() {
        var progress = HTTP2FrameProgress()
        let start = NIODeadline.uptimeNanoseconds(1_000)
        progress.consume(preface, at: start)
        let data = frame(type: 0, payload: 100)
        progress.consume(data.getSlice(at: 0, length: 30)!, at: start)
        #expect(progress.deadline(headTimeout: head, bodyTimeout: body) == start + body)
        progress.consume(data.getSlice(at: 30, length: 30)!, at: start + .seconds(8))
        #expect(progress.deadline(headTimeout: head, bodyTimeout: body) == start + .seconds(8) + body)
        #expect(progress.expired(at: start + .seconds(18), headTimeout: head, bodyTimeout: body) == .requestBody)
    }
}
