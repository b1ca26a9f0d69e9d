/// A GOAWAY or RST_STREAM frame the session sent or received, kept for the connection's metrics.
///
/// The session records these beside its events (`takeControlFrames()`), not among them: they are facts
/// for counting, not something the connection acts on. Both kinds are rare, and a flood of RST_STREAMs
/// is cut short by the flood limits, so the list stays short between two takes.
public struct HTTP2ControlFrame: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case goAway = "goaway"
        case reset = "rst_stream"
    }

    public enum Direction: String, Sendable, Hashable {
        case sent
        case received
    }

    public var kind: Kind
    public var direction: Direction
    /// The frame's error code (RFC 9113 §7).
    public var errorCode: UInt32

    public init(kind: Kind, direction: Direction, errorCode: UInt32) {
        self.kind = kind
        self.direction = direction
        self.errorCode = errorCode
    }

    /// The code's name in RFC 9113 §7 (`NO_ERROR`, `CANCEL`…), or its hex value for codes outside it.
    public var errorName: String {
        let names = [
            "NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT", "STREAM_CLOSED",
            "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM",
            "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
        ]
        return errorCode < names.count ? names[Int(errorCode)] : "0x" + String(errorCode, radix: 16)
    }
}
