import Testing

@testable import GatewayApp

/// Memory per open stream is what a million streams cost, so the layout of what each stream holds inline
/// is pinned here: a field added carelessly shows up as a failing test, not as a slow drift in benchmarks.
@Suite struct StreamLayoutTests {
    /// The plan sits inline in every `ChannelStream`. Its four-byte `retry` comes last, so the plan ends
    /// four bytes short of an 8-byte boundary and the stream's next one-byte field fits in that tail:
    /// `ChannelStream` is then 184 bytes, a 192-byte malloc block (208 with an 8-byte retry).
    @Test func theStreamPlanLeavesATailForTheStreamsNextField() {
        #expect(MemoryLayout<EventStreamPlan>.size == 68)
        #expect(MemoryLayout<EventStreamPlan>.offset(of: \EventStreamPlan.retry) == 64)
    }
}
