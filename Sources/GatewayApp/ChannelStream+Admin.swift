import GatewayHTTP
import NIOCore

extension ChannelStream {
    /// What the admin API shows of one stream; read on the stream's loop.
    var adminSnapshot: StreamSnapshot {
        StreamSnapshot(
            route: plan.route.operations.label, channels: plan.channels, openSeconds: Int((NIODeadline.now() - openedAt).nanoseconds / 1_000_000_000),
            events: eventsSent, gaps: gapsReported, upstream: plan.upstream != nil)
    }
}

/// One open stream of a session, as `GET <admin>/sessions/{session}` lists it.
struct StreamSnapshot: Sendable {
    let route: String
    let channels: [String]
    let openSeconds: Int
    let events: Int
    let gaps: Int
    /// Fed by its own upstream connection (a per-client upstream route) rather than by hub channels.
    let upstream: Bool

    var json: JSONValue {
        .object([
            ("route", .string(route)),
            ("channels", .array(channels.map { .string($0) })),
            ("open_seconds", .int(openSeconds)),
            ("events", .int(events)),
            ("gaps", .int(gaps)),
            ("upstream", .bool(upstream)),
        ])
    }
}
