import NIOCore

/// Where the client's bytes stand between HTTP/2 frames, so that a frame cut short is held to a deadline.
///
/// nghttp2 keeps a partial frame to itself: a frame header cut short, or a HEADERS frame cut short inside
/// its padding or priority field, starts no request, so neither the session's request deadlines nor (while
/// a stream is open) the idle timer would ever end the connection, and nothing else can be read on it
/// until that frame ends. Hand-counted here because nghttp2 offers no way to ask; it reads only each
/// frame's 9-byte header (length and type) and skips payloads, a few steps per frame.
///
/// Transitions: `preface` (24 bytes) → `header(read: 0…8)` → `payload(remaining)` → `header(read: 0)` …
/// A frame must complete within the head timeout of its first byte; a DATA frame's payload is request
/// body, which instead may not pause longer than the body timeout.
struct HTTP2FrameProgress {
    enum Phase: Equatable {
        /// Bytes of the client connection preface still to come.
        case preface(remaining: Int)
        /// `read` bytes of a frame header are in; `length` and `type` as far as they are read.
        case header(read: Int, length: Int, type: UInt8)
        /// Bytes of the current frame's payload still to come.
        case payload(remaining: Int, type: UInt8)
    }

    static let prefaceLength = 24
    static let frameHeaderLength = 9
    static let dataFrameType: UInt8 = 0
    private static let betweenFrames = Phase.header(read: 0, length: 0, type: 0)

    private(set) var phase = Phase.preface(remaining: prefaceLength)
    /// When the current frame (or the preface) began; within a DATA frame's payload, when its last byte came.
    private var since = NIODeadline.uptimeNanoseconds(0)

    /// Consumes the client's next bytes, received at `now`.
    mutating func consume(_ bytes: ByteBuffer, at now: NIODeadline) {
        var index = bytes.readerIndex
        let end = bytes.writerIndex
        if index < end, phase == .preface(remaining: Self.prefaceLength) || phase == Self.betweenFrames { since = now }
        while index < end {
            switch phase {
            case .preface(let remaining):
                let taken = min(remaining, end - index)
                index += taken
                phase = taken == remaining ? Self.betweenFrames : .preface(remaining: remaining - taken)
            case .header(var read, var length, var type):
                if read == 0 { since = now }
                while read < Self.frameHeaderLength, index < end {
                    let byte = bytes.getInteger(at: index, as: UInt8.self)!
                    if read < 3 { length = length << 8 | Int(byte) } else if read == 3 { type = byte }
                    read += 1
                    index += 1
                }
                if read < Self.frameHeaderLength {
                    phase = .header(read: read, length: length, type: type)
                } else {
                    phase = length == 0 ? Self.betweenFrames : .payload(remaining: length, type: type)
                }
            case .payload(let remaining, let type):
                let taken = min(remaining, end - index)
                index += taken
                if type == Self.dataFrameType { since = now }
                phase = taken == remaining ? Self.betweenFrames : .payload(remaining: remaining - taken, type: type)
            }
        }
    }

    /// The deadline the frame in progress may not pass, if the client stopped inside one.
    func deadline(headTimeout: TimeAmount, bodyTimeout: TimeAmount) -> NIODeadline? {
        switch phase {
        case .preface(let remaining) where remaining == Self.prefaceLength: nil
        case Self.betweenFrames: nil
        case .payload(_, let type) where type == Self.dataFrameType: since + bodyTimeout
        default: since + headTimeout
        }
    }

    /// The deadline that has run out at `now`, if any.
    func expired(at now: NIODeadline, headTimeout: TimeAmount, bodyTimeout: TimeAmount) -> EdgeDeadline? {
        guard let deadline = deadline(headTimeout: headTimeout, bodyTimeout: bodyTimeout), deadline <= now else { return nil }
        if case .payload(_, let type) = phase, type == Self.dataFrameType { return .requestBody }
        return .requestHead
    }
}
