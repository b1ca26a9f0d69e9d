import GatewayHTTP
import GatewayHTTP2
import GatewayHub
// Reading the flat sections: each key optional, each missing or invalid value falls back to the model's
// documented default (an invalid one has been reported, so the result is thrown away anyway).

/// Values that fit the 31-bit fields of HTTP/2 SETTINGS (RFC 9113 §6.5.2) and sane counters.
private let int31 = 0...Int(Int32.max)

extension HTTP2SessionSettings {
    static let keys = [
        "max_concurrent_streams", "initial_window_size", "max_header_list_size", "max_header_count",
        "reset_rate_burst", "reset_rate_per_second", "max_continuations", "idle_timeout",
    ]

    static func read(_ section: YAMLMapping?, _ reader: inout YAMLNodeReader) -> Self {
        let defaults = Self()
        guard let section else { return defaults }
        return Self(
            maxConcurrentStreams: reader.int(section, "max_concurrent_streams", in: 1...100_000)
                ?? defaults.maxConcurrentStreams,
            // RFC 9113 §6.5.2: above 2^31-1 is a FLOW_CONTROL_ERROR.
            initialWindowSize: reader.int(section, "initial_window_size", in: int31) ?? defaults.initialWindowSize,
            maxHeaderListSize: reader.size(section, "max_header_list_size", in: 1...Int(Int32.max))
                ?? defaults.maxHeaderListSize,
            maxHeaderCount: reader.int(section, "max_header_count", in: 1...65535) ?? defaults.maxHeaderCount,
            resetRateBurst: reader.int(section, "reset_rate_burst", in: 1...1_000_000) ?? defaults.resetRateBurst,
            resetRatePerSecond: reader.int(section, "reset_rate_per_second", in: 1...1_000_000)
                ?? defaults.resetRatePerSecond,
            maxContinuations: reader.int(section, "max_continuations", in: 1...10_000) ?? defaults.maxContinuations,
            idleTimeout: reader.duration(section, "idle_timeout") ?? defaults.idleTimeout
        )
    }
}

extension StreamSettings {
    static let keys = ["heartbeat", "retry", "outbound_budget", "retry_jitter", "max_age", "max_age_jitter", "stall_timeout"]

    static func read(_ section: YAMLMapping?, _ reader: inout YAMLNodeReader) -> Self {
        let defaults = Self()
        guard let section else { return defaults }
        return Self(
            heartbeat: reader.duration(section, "heartbeat") ?? defaults.heartbeat,
            retry: reader.duration(section, "retry") ?? defaults.retry,
            outboundBudget: reader.size(section, "outbound_budget") ?? defaults.outboundBudget,
            retryJitter: reader.fraction(section, "retry_jitter") ?? defaults.retryJitter,
            maxAge: reader.duration(section, "max_age") ?? defaults.maxAge,
            maxAgeJitter: reader.fraction(section, "max_age_jitter") ?? defaults.maxAgeJitter,
            stallTimeout: reader.duration(section, "stall_timeout", in: .seconds(1)...(.seconds(3600))) ?? defaults.stallTimeout
        )
    }
}

extension HistorySettings {
    static let keys = ["count", "bytes", "ttl", "max_total_bytes"]

    static func read(_ section: YAMLMapping?, _ reader: inout YAMLNodeReader) -> Self {
        let defaults = Self()
        guard let section else { return defaults }
        return Self(
            limits: HistoryLimits(
                // 0 keeps no history: streams still work, a resume then always reports a gap.
                count: reader.int(section, "count", in: int31) ?? defaults.count,
                bytes: reader.size(section, "bytes") ?? defaults.bytes,
                ttl: reader.duration(section, "ttl") ?? defaults.ttl
            ),
            maxTotalBytes: reader.size(section, "max_total_bytes") ?? defaults.maxTotalBytes
        )
    }
}

extension HTTP1Settings {
    static let keys = ["idle_timeout"]

    static func read(_ section: YAMLMapping?, _ reader: inout YAMLNodeReader) -> Self {
        let defaults = Self()
        guard let section else { return defaults }
        return Self(idleTimeout: reader.duration(section, "idle_timeout") ?? defaults.idleTimeout)
    }
}

extension PublishSettings {
    static let keys = ["token_env", "max_body", "max_events_per_request", "idempotency_ttl", "rate_limit"]

    static func read(_ section: YAMLMapping?, _ reader: inout YAMLNodeReader) -> Self {
        let defaults = Self()
        guard let section else { return defaults }
        // The config names the variable, never the token, so the file can be committed.
        let variable = reader.environmentVariableName(section, "token_env", holding: "token")
        return Self(
            tokenEnvironmentVariable: variable ?? defaults.tokenEnvironmentVariable,
            maxBodyBytes: reader.size(section, "max_body") ?? defaults.maxBodyBytes,
            maxEventsPerRequest: reader.int(section, "max_events_per_request", in: 1...100_000)
                ?? defaults.maxEventsPerRequest,
            idempotencyTTL: reader.duration(section, "idempotency_ttl") ?? defaults.idempotencyTTL,
            rateLimit: RouteRateLimit.read(section, &reader) ?? defaults.rateLimit
        )
    }
}

extension LimitSettings {
    static let keys = ["max_connections", "max_connections_per_ip", "max_request_head", "request_head_timeout", "request_body_timeout"]

    static func read(_ section: YAMLMapping?, _ reader: inout YAMLNodeReader) -> Self {
        let defaults = Self()
        guard let section else { return defaults }
        var limits = Self(
            maxConnections: reader.int(section, "max_connections", in: 1...Int(Int32.max)) ?? defaults.maxConnections,
            // 0 means no per-client limit; the default of untrusted listeners that set none.
            maxConnectionsPerIP: reader.int(section, "max_connections_per_ip", in: int31)
                ?? defaults.maxConnectionsPerIP,
            maxRequestHeadBytes: reader.size(section, "max_request_head", in: 1...Int(Int32.max))
                ?? defaults.maxRequestHeadBytes
        )
        // Deadlines: below a second ends clients on a slow network; above ten minutes defends nothing.
        let deadlines = Duration.seconds(1)...Duration.seconds(600)
        limits.requestHeadTimeout = reader.duration(section, "request_head_timeout", in: deadlines) ?? defaults.requestHeadTimeout
        limits.requestBodyTimeout = reader.duration(section, "request_body_timeout", in: deadlines) ?? defaults.requestBodyTimeout
        return limits
    }
}

extension LoggingSettings {
    static let keys = ["level", "format", "access_log"]
    /// swift-log's `Logger.Level` raw values; this module does not depend on swift-log.
    static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    static func read(_ section: YAMLMapping?, _ reader: inout YAMLNodeReader) -> Self {
        let defaults = Self()
        guard let section else { return defaults }
        let format = reader.choice(section, "format", Format.allCases.map(\.rawValue)).flatMap(Format.init(rawValue:))
        return Self(
            level: reader.choice(section, "level", levels) ?? defaults.level,
            format: format ?? defaults.format,
            accessLog: reader.bool(section, "access_log") ?? defaults.accessLog
        )
    }
}
