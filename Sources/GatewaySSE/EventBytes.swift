extension EventStreamParser {
    /// One dispatched event as raw bytes, for callers that would rather not pay for three Strings per event
    /// (the load client reads 5,000 events per publish on one thread; see `feed(_:onEvent:)`).
    ///
    /// The buffers point into the parser's own storage and are valid only during the `onEvent` call that
    /// receives them: copy what must outlive it. The bytes are as the stream sent them, not UTF-8-checked;
    /// `String(decoding:as: UTF8.self)` of each gives exactly what the String API's `Event` holds.
    public struct EventBytes {
        /// The event's data: its `data` lines' values joined with LF. Never empty (an event with an empty
        /// data buffer is not dispatched, §9.2.6).
        public let data: UnsafeRawBufferPointer
        /// The `event` field's value, or `message` when there was none (or it was empty).
        public let type: UnsafeRawBufferPointer
        /// The last event id in force when this event was dispatched (`lastEventId`); empty when none.
        public let lastEventID: UnsafeRawBufferPointer
        /// Changes whenever the last event id is set, so the String API decodes an id once, not per event.
        let lastEventIDVersion: UInt64

        /// The type when an event has no (or an empty) `event` field: a literal's bytes, which live as long as
        /// the program.
        static var defaultType: UnsafeRawBufferPointer {
            let message: StaticString = "message"
            return UnsafeRawBufferPointer(start: message.utf8Start, count: message.utf8CodeUnitCount)
        }
    }
}
