import GatewayHTTP
import GatewayHub
import NIOCore

/// What a webhook receiver is told when a stream opens or closes: the JSON body
///
///     {"type":"stream.opened"|"stream.closed","time":<ms since 1970>,"session":"…","channels":["…"],
///      "route":"/events/{channel}","subject":null,"remote_address":"203.0.113.7:51234",
///      "duration_ms":<closed only, else null>,"reason":<closed only: "client_closed"…, else null>}
///
/// `subject` is the authenticated subject of the stream; null until streams carry one.
struct StreamNotification: Sendable {
    enum Kind: String, Sendable {
        case opened = "stream.opened"
        case closed = "stream.closed"
    }

    let kind: Kind
    let time: UInt64
    let session: String
    let channels: [String]
    let route: String
    let remoteAddress: String?
    let durationMilliseconds: Int64?
    let reason: StreamEndReason?

    static func opened(_ stream: ChannelStream, route: String) -> StreamNotification {
        StreamNotification(
            kind: .opened, time: WallClock.milliseconds(), session: stream.plan.session, channels: stream.plan.channels, route: route,
            remoteAddress: stream.plan.origin?.remoteAddress, durationMilliseconds: nil, reason: nil)
    }

    static func closed(_ stream: ChannelStream, route: String, reason: StreamEndReason) -> StreamNotification {
        StreamNotification(
            kind: .closed, time: WallClock.milliseconds(), session: stream.plan.session, channels: stream.plan.channels, route: route,
            remoteAddress: stream.plan.origin?.remoteAddress, durationMilliseconds: (NIODeadline.now() - stream.openedAt).nanoseconds / 1_000_000,
            reason: reason)
    }

    var json: JSONValue {
        .object([
            ("type", .string(kind.rawValue)),
            ("time", .int(Int(time))),
            ("session", .string(session)),
            ("channels", .array(channels.map { .string($0) })),
            ("route", .string(route)),
            ("subject", .null),
            ("remote_address", remoteAddress.map { .string($0) } ?? .null),
            ("duration_ms", durationMilliseconds.map { .int(Int($0)) } ?? .null),
            ("reason", reason.map { .string($0.rawValue) } ?? .null),
        ])
    }
}
