/// A listener's admission limits as the file sets them: each nil takes a default that depends on whether
/// the listener is trusted (`ListenerConfiguration.limits(under:)`). Kept apart from the binding (host,
/// port, kind), so a reload that changes only limits applies them to new connections without rebinding.
public struct ListenerLimitSettings: Sendable, Equatable {
    /// Most open connections on this listener.
    public var maxConnections: Int?
    /// Most open connections from one client (IPv4 address, IPv6 /64); 0: no limit.
    public var maxConnectionsPerIP: Int?
    /// New TLS connections per second from one client (a token bucket); 0: no limit. TLS listeners only.
    public var handshakesPerSecondPerIP: Int?
    /// The bucket's size: handshakes one client may start at once.
    public var handshakeBurstPerIP: Int?

    public init(maxConnections: Int? = nil, maxConnectionsPerIP: Int? = nil, handshakesPerSecondPerIP: Int? = nil, handshakeBurstPerIP: Int? = nil) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerIP = maxConnectionsPerIP
        self.handshakesPerSecondPerIP = handshakesPerSecondPerIP
        self.handshakeBurstPerIP = handshakeBurstPerIP
    }
}

/// The limits in force on one listener, every default filled in.
public struct ListenerLimits: Sendable, Equatable {
    public var maxConnections: Int
    /// 0: no limit.
    public var maxConnectionsPerIP: Int
    /// 0: no limit.
    public var handshakesPerSecondPerIP: Int
    public var handshakeBurstPerIP: Int

    public init(maxConnections: Int, maxConnectionsPerIP: Int, handshakesPerSecondPerIP: Int, handshakeBurstPerIP: Int) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerIP = maxConnectionsPerIP
        self.handshakesPerSecondPerIP = handshakesPerSecondPerIP
        self.handshakeBurstPerIP = handshakeBurstPerIP
    }

    /// New TLS connections per second per client on an untrusted TLS listener: far above what a browser
    /// needs (one connection per origin, a few reconnects a minute), far below what a handshake flood sends.
    public static let defaultHandshakesPerSecondPerIP = 64
    /// The share of `limits.max_connections` an untrusted listener may fill by default: the rest stays
    /// free for the trusted listeners (the backend that publishes), however full the public one is.
    public static let defaultUntrustedShare = 0.9
}

extension ListenerConfiguration {
    /// This listener's limits, defaults filled in from `limits` and from whether it is trusted.
    public func limits(under limits: LimitSettings) -> ListenerLimits {
        let rate = self.limitSettings.handshakesPerSecondPerIP
            ?? (tls && !trusted ? ListenerLimits.defaultHandshakesPerSecondPerIP : 0)
        return ListenerLimits(
            maxConnections: limitSettings.maxConnections
                ?? (trusted ? limits.maxConnections : max(1, Int(Double(limits.maxConnections) * ListenerLimits.defaultUntrustedShare))),
            maxConnectionsPerIP: limitSettings.maxConnectionsPerIP ?? (trusted ? 0 : limits.maxConnectionsPerIP),
            handshakesPerSecondPerIP: rate,
            handshakeBurstPerIP: limitSettings.handshakeBurstPerIP ?? max(1, 2 * rate)
        )
    }

    /// The listener without its limits: what decides whether a reload must rebind it.
    public var binding: ListenerConfiguration {
        var binding = self
        binding.limitSettings = ListenerLimitSettings()
        return binding
    }
}
