import Testing

@testable import GatewayApp
import GatewayHTTP

/// Memory per open stream is what a million streams cost, so the layout of what each stream holds inline
/// is pinned here: a field added carelessly shows up as a failing test, not as a slow drift in benchmarks.
@Suite struct StreamLayoutTests {
    /// The plan sits inline in every `ChannelStream`. Its four-byte `retry` comes last, so the plan ends
    /// four bytes short of an 8-byte boundary and the stream's next one-byte field fits in that tail:
    /// `ChannelStream` is then 160 bytes, jemalloc's 160-byte class (176 with an 8-byte retry, which
    /// jemalloc serves from its 192-byte class).
    @Test func theStreamPlanLeavesATailForTheStreamsNextField() {
        #expect(MemoryLayout<EventStreamPlan>.size == 52)
        #expect(MemoryLayout<EventStreamPlan>.offset(of: \EventStreamPlan.retry) == 48)
    }

    /// The writer sits inline in every `ChannelStream` too, ending with its four-byte slot so the stream's
    /// flags fill the rest of that word. One word more here (the budget and the replay allowance kept
    /// apart, as they were) puts the stream in the 192-byte class.
    @Test func theStreamWriterIsSixAndAHalfWords() {
        #expect(MemoryLayout<StreamWriter>.size == 52)
    }
}
