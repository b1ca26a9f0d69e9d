extension ConfigurationReference {
    static let protocolKeys: [ConfigurationKey] = [
        .init("http2.max_concurrent_streams", "integer 1…100000", "100", "SETTINGS_MAX_CONCURRENT_STREAMS: streams (EventSources) one connection may hold open."),
        .init("http2.initial_window_size", "integer 0…2147483647", "65535", "SETTINGS_INITIAL_WINDOW_SIZE: request body a client may send unacknowledged."),
        .init("http2.max_header_list_size", "size", "16KiB", "SETTINGS_MAX_HEADER_LIST_SIZE, advertised and enforced."),
        .init("http2.max_header_count", "integer 1…65535", "100", "Most header fields per request."),
        .init("http2.reset_rate_burst", "integer 1…1000000", "200", "Incoming RST_STREAM bucket size (Rapid Reset, CVE-2023-44487)."),
        .init("http2.reset_rate_per_second", "integer 1…1000000", "33", "Incoming RST_STREAM refill rate per second."),
        .init("http2.max_continuations", "integer 1…10000", "32", "CONTINUATION frames allowed after one HEADERS (CVE-2024-28182)."),
        .init("http2.idle_timeout", "duration", "60s", "An HTTP/2 connection without a stream is closed after this."),
        .init("http1.idle_timeout", "duration", "60s", "An HTTP/1.1 keep-alive connection between requests is closed after this."),
    ]

    static let streamKeys: [ConfigurationKey] = [
        .init("streams.heartbeat", "duration", "15s", "A comment line is sent on a stream idle this long, keeping proxies from closing it."),
        .init("streams.retry", "duration", "3s", "The `retry:` hint: how long a browser waits before reconnecting."),
        .init("streams.outbound_budget", "size", "256KiB",
              "Unsent bytes a stream may have queued before it is ended as a slow consumer (it resumes). Keep it above publish.max_body."),
        .init("streams.retry_jitter", "fraction 0…1", "0.5", "The retry hint is drawn from retry … retry × (1 + jitter), spreading reconnects."),
        .init("streams.max_age", "duration", "(unset: no limit)", "Streams end cleanly after this age and the client resumes at once."),
        .init("streams.max_age_jitter", "fraction 0…1", "0.1", "Each stream's age limit is shortened by up to this fraction."),
        .init("streams.stall_timeout", "duration 1s…1h", "30s",
              "A stream none of whose queued bytes could be sent this long (zero flow-control window, client not reading) is ended; the client resumes."),
        .init("history.count", "integer 0…2147483647", "1000", "Most events kept per channel."),
        .init("history.bytes", "size", "1MiB", "Most event bytes kept per channel."),
        .init("history.ttl", "duration", "1h", "Events older than this are dropped from history."),
        .init("history.max_total_bytes", "size", "512MiB", "All channels together; past it, a publishing channel gives up its oldest events."),
    ]

    static let publishKeys: [ConfigurationKey] = [
        .init("publish.token_env", "environment variable name", "SSEGATE_PUBLISH_TOKEN",
              "Variable holding the bearer token untrusted listeners require for publishing; unset or empty: they refuse."),
        .init("publish.max_body", "size", "64KiB", "Largest publish body."),
        .init("publish.max_events_per_request", "integer 1…100000", "100", "Most events in one JSON array body."),
        .init("publish.idempotency_ttl", "duration", "10m", "A publish repeated with the same Idempotency-Key within this time delivers nothing new."),
        .init("publish.rate_limit", "mapping `{requests, per}`", "(200 per 1s)",
              "Each publisher's budget on untrusted listeners (per JWT subject, the static token, or the client address on anonymous routes); past it, 429 with Retry-After."),
        .init("publish.rate_limit.requests", "integer 1…1000000", "(required)", "Requests in a burst, and per `per` on average."),
        .init("publish.rate_limit.per", "duration", "(required)", "The time in which `requests` tokens come back."),
    ]

    static let operationKeys: [ConfigurationKey] = [
        .init("limits.max_connections", "integer 1…2147483647", "1100000", "Most open connections per process, all listeners together."),
        .init("limits.max_connections_per_ip", "integer 0…2147483647", "256",
              "Most open connections from one client (IPv4 address, IPv6 /64) on each untrusted listener that sets no max_connections_per_ip. 0: no limit."),
        .init("limits.max_request_head", "size", "16KiB", "Largest HTTP/1.1 request head (request line and headers)."),
        .init("limits.request_head_timeout", "duration 1s…10m", "15s",
              "A request head (HTTP/1.1 headers, an HTTP/2 header block) must complete this long after its first byte, or the connection closes."),
        .init("limits.request_body_timeout", "duration 1s…10m", "10s",
              "A request body may go this long without a byte: the HTTP/1.1 connection closes, the HTTP/2 stream is reset."),
        .init("logging.level", "one of trace, debug, info, notice, warning, error, critical", "info", "Lowest level logged."),
        .init("logging.format", "one of json, text", "text", "`json`: one object per line."),
        .init("logging.access_log", "boolean", "true", "One access-log line per closed stream or answered request."),
        .init("upstreams.max_connections", "integer 1…1000000", "1000", "Most upstream connections held at once (shared sources, failed ones in their cool-down included, and per-client streams); over it: 502."),
        .init("upstreams.max_per_client_ip", "integer 1…1000000", "32", "Most upstream connections one client address holds (shared sources it started, per-client streams); over it, a stream-error `upstream_client_limit` with a retry: hint."),
        .init("upstreams.max_url_length", "integer 64…65536", "2048", "Longest upstream URL a request's parameters may make; longer: 400 `url_too_long`."),
    ]
}
