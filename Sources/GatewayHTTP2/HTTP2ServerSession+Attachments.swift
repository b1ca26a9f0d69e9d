// What the connection keeps per streaming response (its response stream), stored with the stream's
// outbound queue rather than in a table of the connection's own: a hundred streams on a connection made that
// table 256 buckets, ~30 bytes per stream, and the queue had room for one more reference in its malloc
// block.

extension HTTP2ServerSession {
    /// Keeps `attachment` with the stream's streaming response until it is detached or the connection
    /// ends. False when the stream has no streaming response to keep it with (gone, refused, or answered
    /// without a body): then it is not kept.
    public func attach(_ attachment: AnyObject, to streamID: HTTP2StreamID) -> Bool {
        guard let queue = self.streams[streamID.rawValue]?.outbound, queue.acceptsBytes else {
            return false
        }
        queue.attachment = attachment
        return true
    }

    /// The stream's attachment, also after nghttp2 closed the stream and until it is detached.
    public func attachment(of streamID: HTTP2StreamID) -> AnyObject? {
        self.streams[streamID.rawValue]?.outbound?.attachment ?? self.closedAttachments[streamID.rawValue]
    }

    /// Takes the stream's attachment away (nil if it has none, or it was taken).
    public func detachAttachment(of streamID: HTTP2StreamID) -> AnyObject? {
        let id = streamID.rawValue
        if let queue = self.streams[id]?.outbound, let attachment = queue.attachment {
            queue.attachment = nil
            return attachment
        }
        guard let attachment = self.closedAttachments.removeValue(forKey: id) else { return nil }
        // A removal keeps the table's storage: give it back once the last one is taken.
        if self.closedAttachments.isEmpty { self.closedAttachments = [:] }
        return attachment
    }

    /// The ids of the streams with an attachment, in no particular order.
    public var attachedStreamIDs: [HTTP2StreamID] {
        let open = self.streams.ids { $0.outbound?.attachment != nil }.map(HTTP2StreamID.init)
        return open + self.closedAttachments.keys.map(HTTP2StreamID.init)
    }

    /// Takes every attachment away, in no particular order (the connection is ending).
    public func detachAllAttachments() -> [(id: HTTP2StreamID, attachment: AnyObject)] {
        self.attachedStreamIDs.compactMap { id in self.detachAttachment(of: id).map { (id, $0) } }
    }
}
