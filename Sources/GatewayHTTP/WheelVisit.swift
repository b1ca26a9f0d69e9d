/// Why a stream sits in a `HeartbeatWheel` bucket, in one word: its recurring heartbeat check (with its
/// interval), or a one-off deadline. The top three bits say which; a heartbeat keeps its interval in the
/// rest, a stall check its sent-bytes mark in the low 32 bits and its tick in the 29 above, signed
/// (± 8 years of one-second ticks; a stream's opening tick can be before the wheel's first).
struct WheelVisit {
    enum Kind {
        case heartbeat(intervalTicks: Int64)
        case deadline(StreamDeadline)
    }

    private let bits: UInt64

    private static let kindShift: UInt64 = 61
    private static let payloadMask: UInt64 = (1 << 61) - 1
    private static let tickMask: UInt64 = (1 << 29) - 1

    static func heartbeat(intervalTicks: Int64) -> WheelVisit {
        WheelVisit(bits: UInt64(intervalTicks) & payloadMask)
    }

    static func deadline(_ deadline: StreamDeadline) -> WheelVisit {
        switch deadline {
        case .maxAge: WheelVisit(bits: 1 << kindShift)
        case .authExpiring: WheelVisit(bits: 2 << kindShift)
        case .authExpired: WheelVisit(bits: 3 << kindShift)
        case .stallCheck(let sent, let since):
            WheelVisit(bits: 4 << kindShift | (UInt64(UInt32(bitPattern: since)) & tickMask) << 32 | UInt64(sent))
        }
    }

    /// The stall check's tick, sign-extended from its 29 bits.
    private var since: Int32 {
        let raw = (bits >> 32) & Self.tickMask
        return Int32(truncatingIfNeeded: Int64(bitPattern: raw << 35) >> 35)
    }

    var kind: Kind {
        switch bits >> Self.kindShift {
        case 0: .heartbeat(intervalTicks: Int64(bits & Self.payloadMask))
        case 1: .deadline(.maxAge)
        case 2: .deadline(.authExpiring)
        case 3: .deadline(.authExpired)
        default: .deadline(.stallCheck(sent: UInt32(truncatingIfNeeded: bits), since: since))
        }
    }
}
