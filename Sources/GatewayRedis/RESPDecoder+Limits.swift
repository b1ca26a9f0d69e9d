extension RESPDecoder {
    /// Bounds on one reply, so that a broken or hostile server costs a typed error and a closed connection,
    /// never unbounded memory. Per-item limits stop one huge string or array; per-reply sums stop nesting
    /// from multiplying them (a thousand arrays of a thousand arrays). The defaults fit any reply the
    /// gateway's commands produce with room to spare.
    public struct Limits: Sendable, Hashable {
        /// Longest bulk string, blob error or verbatim string payload (Redis's own cap is 512 MiB; an event
        /// or a stream entry is far smaller).
        public var maximumBulkLength: Int
        /// Most elements in one array, set or push, or pairs in one map (an `XRANGE COUNT` answer, say).
        public var maximumAggregateLength: Int
        /// Most elements announced by all the aggregates of one reply together (a map's pairs count twice).
        public var maximumReplyElements: Int
        /// Most bytes one reply may take on the wire, its headers included.
        public var maximumReplyBytes: Int
        /// Most aggregates open inside each other (`XREAD` needs 5; Lua tables can nest further).
        public var maximumDepth: Int
        /// Longest header, simple string, error, number or boolean line.
        public var maximumLineLength: Int

        public init(
            maximumBulkLength: Int = 64 * 1024 * 1024,
            maximumAggregateLength: Int = 1024 * 1024,
            maximumReplyElements: Int = 4 * 1024 * 1024,
            maximumReplyBytes: Int = 256 * 1024 * 1024,
            maximumDepth: Int = 32,
            maximumLineLength: Int = 64 * 1024
        ) {
            self.maximumBulkLength = maximumBulkLength
            self.maximumAggregateLength = maximumAggregateLength
            self.maximumReplyElements = maximumReplyElements
            self.maximumReplyBytes = maximumReplyBytes
            self.maximumDepth = maximumDepth
            self.maximumLineLength = maximumLineLength
        }
    }
}
