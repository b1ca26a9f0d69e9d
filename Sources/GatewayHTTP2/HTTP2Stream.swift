import NIOCore

/// What the session keeps per stream for its whole life. Kept small on purpose (a test pins it): the
/// gateway targets a million idle SSE streams, so an idle stream is a table entry holding an empty
/// outbound queue, with no timers and no buffers of its own (queued chunks reference the hub's shared event
/// bytes). The request under assembly lives in a separate, short-lived table
/// (`HTTP2ServerSession.pendingRequests`) so its strings and body cost nothing once delivered.
///
/// Lifecycle, from the server's side: receiving the request → request delivered → responded (outbound
/// set when there is a body) → removed in on_stream_close. The phase and the queue share one word (the
/// two phases without a queue are spare values of the reference), so an entry of `HTTP2StreamTable` is
/// the id and this word, 12 bytes.
struct HTTP2Stream {
    private enum Phase {
        case receiving
        /// The request went out as an event, so `.streamClosed` is owed for this stream.
        case delivered
        /// A response was submitted, with its body queue (nil for a response without a body).
        case responded(HTTP2OutboundQueue?)
    }

    private var phase = Phase.receiving

    /// The response body queue; nil until a response with a body is submitted.
    var outbound: HTTP2OutboundQueue? {
        if case .responded(let queue) = phase { queue } else { nil }
    }

    /// The body queue's address, for a cache prefetch: no reference is taken (a retain would touch the very
    /// line the prefetch is for).
    var outboundAddress: UnsafeRawPointer? {
        guard case .responded(let queue?) = phase else { return nil }
        return UnsafeRawPointer(bitPattern: Int(bitPattern: ObjectIdentifier(queue)))
    }

    /// The request went out as an event, so `.streamClosed` is owed for this stream.
    var requestDelivered: Bool {
        if case .receiving = phase { false } else { true }
    }

    /// A response (with or without body) has been submitted.
    var responded: Bool {
        if case .responded = phase { true } else { false }
    }

    mutating func requestWasDelivered() {
        phase = .delivered
    }

    /// A response was submitted (`outbound`: its body queue, nil without a body).
    mutating func responseSubmitted(_ outbound: HTTP2OutboundQueue?) {
        phase = .responded(outbound)
    }

    /// nghttp2 refused the response: the request is still owed one.
    mutating func responseWithdrawn() {
        phase = .delivered
    }
}

/// A request under assembly, with the running totals the header limits are checked against.
struct PendingRequest {
    var request = HTTP2Request()
    private var headerCount = 0
    private var headerListBytes = 0
    /// Monotonic nanoseconds of the last progress: the start of the header block until it is complete,
    /// then the end of the block or the last body byte (the request deadlines, `expiredRequests`).
    var lastProgress: UInt64
    /// The header block is complete; what is missing now is the body.
    var headComplete = false

    init(startedAt: UInt64) {
        self.lastProgress = startedAt
    }

    /// Counts one header field against the limits and stores it if `store` is true and the block is still
    /// within them. Past a limit, the request is marked `.headerListTooLarge` and nothing more is stored
    /// (storing the excess to answer nicely was Apache's CVE-2024-27316).
    mutating func receiveHeader(
        name: UnsafeBufferPointer<UInt8>,
        value: UnsafeBufferPointer<UInt8>,
        store: Bool,
        maxCount: Int,
        maxListSize: Int
    ) {
        self.headerCount += 1
        // RFC 9113 §6.5.2: the size of a field is its name and value lengths plus 32 octets of overhead.
        self.headerListBytes += name.count + value.count + 32
        if self.headerCount > maxCount || self.headerListBytes > maxListSize {
            self.request.problem = .headerListTooLarge
        }
        guard store, self.request.problem == nil else {
            return
        }
        let nameString = String(decoding: name, as: UTF8.self)
        let valueString = String(decoding: value, as: UTF8.self)
        switch nameString {
        case ":method":
            self.request.method = valueString
        case ":path":
            self.request.path = valueString
        case ":authority":
            self.request.authority = valueString
        case ":scheme":
            self.request.scheme = valueString
        default:
            // RFC 9113 §8.3.1: without :authority, Host carries the authority.
            if nameString == "host", self.request.authority == nil {
                self.request.authority = valueString
            }
            self.request.headers.append((name: nameString, value: valueString))
        }
    }

    /// Appends body bytes unless that would pass `limit`. Returns false when the limit is passed: the
    /// request is then marked `.bodyTooLarge` and the body collected so far is released.
    mutating func receiveBody(_ chunk: UnsafeRawBufferPointer, limit: Int) -> Bool {
        guard self.request.problem == nil else {
            return true
        }
        guard self.request.body.readableBytes + chunk.count <= limit else {
            self.request.problem = .bodyTooLarge
            self.request.body = ByteBuffer()
            return false
        }
        self.request.body.writeBytes(chunk)
        return true
    }
}
