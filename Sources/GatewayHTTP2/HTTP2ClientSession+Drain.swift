import NIOCore

extension HTTP2ClientSession {
    /// One recorded event as `drainEvents` hands it out: DATA as a view of the receive buffer.
    public enum EventView {
        /// Anything but DATA, as `takeEvents()` would return it.
        case event(HTTP2ClientEvent)
        /// A DATA frame's payload, valid only during the call that receives it.
        case data(HTTP2StreamID, UnsafeRawBufferPointer)
    }

    /// Hands the events recorded since the last call to `body`, oldest first, and forgets them: the twin of
    /// `takeEvents()` without an array, an enum with a `ByteBuffer` slice per DATA frame, or a fresh receive
    /// buffer per read (the buffer is cleared and reused). Why: the load client reads 5,000 SSE streams on
    /// one thread, one DATA frame per event, and its time per event is counted in the latency it reports.
    ///
    /// `body` must not feed this session (`receive`): the views point into the buffer `receive` appends to.
    public func drainEvents(_ body: (EventView) -> Void) {
        guard !self.records.isEmpty else { return }
        var records: [Record] = []
        swap(&records, &self.records)
        // Records hold writer offsets; the readable bytes start at the reader index (0: nothing reads it).
        let base = self.received.readerIndex
        self.received.withUnsafeReadableBytes { received in
            for record in records {
                switch record {
                case .event(let event):
                    body(.event(event))
                case .data(let id, let offset, let length):
                    let start = offset - base
                    body(.data(HTTP2StreamID(id), UnsafeRawBufferPointer(rebasing: received[start..<(start + length)])))
                }
            }
        }
        self.received.clear()
        records.removeAll(keepingCapacity: true)
        swap(&records, &self.records)
    }
}
