import GatewayHTTP

/// The application's refusal codes; the protocol layer's own are beside `ErrorCode` in GatewayHTTP.
extension ErrorCode {
    public static let notFound = ErrorCode(rawValue: "not_found")
    public static let methodNotAllowed = ErrorCode(rawValue: "method_not_allowed")
    public static let invalidChannel = ErrorCode(rawValue: "invalid_channel")
    public static let missingChannel = ErrorCode(rawValue: "missing_channel")
    public static let tooManyChannels = ErrorCode(rawValue: "too_many_channels")
    public static let invalidSession = ErrorCode(rawValue: "invalid_session")
    public static let invalidIdempotencyKey = ErrorCode(rawValue: "invalid_idempotency_key")
    public static let invalidUTF8 = ErrorCode(rawValue: "invalid_utf8")
    public static let invalidJSON = ErrorCode(rawValue: "invalid_json")
    public static let invalidEvent = ErrorCode(rawValue: "invalid_event")
    public static let tooManyEvents = ErrorCode(rawValue: "too_many_events")
    public static let unauthorized = ErrorCode(rawValue: "unauthorized")
    public static let forbidden = ErrorCode(rawValue: "forbidden")
    public static let publishDisabled = ErrorCode(rawValue: "publish_disabled")
    public static let authUnavailable = ErrorCode(rawValue: "auth_unavailable")
    public static let missingParameter = ErrorCode(rawValue: "missing_parameter")
    public static let engineUnavailable = ErrorCode(rawValue: "engine_unavailable")
    public static let upstreamUnavailable = ErrorCode(rawValue: "upstream_unavailable")
    public static let upstreamFailed = ErrorCode(rawValue: "upstream_failed")
    public static let upstreamLimit = ErrorCode(rawValue: "upstream_limit")
    /// One client address holds `upstreams.max_per_client_ip` upstream connections already (a 200 stream
    /// with a `retry:` hint and this code in its `stream-error`, see `RetryLaterStream`).
    public static let upstreamClientLimit = ErrorCode(rawValue: "upstream_client_limit")
    public static let upstreamMisconfigured = ErrorCode(rawValue: "upstream_misconfigured")
    public static let rateLimited = ErrorCode(rawValue: "rate_limited")
}

extension HTTPError {
    static func notFound(_ path: Substring) -> HTTPError {
        HTTPError(404, .notFound, "no route matches \(path)")
    }

    static let invalidChannel = HTTPError(400, .invalidChannel, "channel names are 1 to \(ChannelName.maxBytes) characters of A-Z a-z 0-9 . _ - : @ ~")

    static let invalidSession = HTTPError(400, .invalidSession, SessionID.rule)

    /// Upstream refusals are 502 with a JSON body, never 503: EventSource gives up on any non-200 (WHATWG
    /// HTML §9.2.3), and a refused upstream is the gateway failing as a gateway (RFC 9110 §15.6.3).
    /// `upstream_status` is the origin's own answer when there was one.
    static func upstream(_ code: ErrorCode, _ message: String, upstreamStatus: Int? = nil) -> HTTPError {
        HTTPError(502, code, message, details: [("upstream_status", upstreamStatus.map { .int($0) } ?? .null)])
    }
}
