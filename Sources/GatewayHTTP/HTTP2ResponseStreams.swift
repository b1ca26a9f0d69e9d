import GatewayHTTP2

/// The response streams of one HTTP/2 connection.
///
/// The session keeps each one with its stream's outbound queue (`HTTP2ServerSession.attach`), which had
/// room for one more reference in its malloc block: a table of the connection's own took ~30 bytes per idle
/// stream (a hundred streams make 256 buckets). This counts them, so "no stream left" needs no walk, and
/// casts them back from the plain references the session keeps. They are read when streams start, end and
/// drain, never per event.
struct HTTP2ResponseStreams {
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    func ids(in session: HTTP2ServerSession?) -> [Int32] {
        session?.attachedStreamIDs.map(\.rawValue) ?? []
    }

    func stream(_ id: Int32, in session: HTTP2ServerSession?) -> (any ResponseStream)? {
        session?.attachment(of: HTTP2StreamID(id)).map(Self.stream)
    }

    /// Keeps `stream` with its response; false when the session has no streaming response for it (the
    /// client reset the stream meanwhile), and then it is not kept.
    mutating func insert(_ stream: any ResponseStream, id: Int32, in session: HTTP2ServerSession) -> Bool {
        guard session.attach(stream, to: HTTP2StreamID(id)) else { return false }
        count += 1
        return true
    }

    mutating func remove(_ id: Int32, in session: HTTP2ServerSession?) -> (any ResponseStream)? {
        guard let object = session?.detachAttachment(of: HTTP2StreamID(id)) else { return nil }
        count -= 1
        return Self.stream(object)
    }

    /// Takes every stream out, in no particular order.
    mutating func removeAll(in session: HTTP2ServerSession?) -> [(id: Int32, stream: any ResponseStream)] {
        defer { count = 0 }
        return session?.detachAllAttachments().map { (id: $0.id.rawValue, stream: Self.stream($0.attachment)) } ?? []
    }

    private static func stream(_ object: AnyObject) -> any ResponseStream {
        object as! any ResponseStream  // only streams go in (`insert`)
    }
}
