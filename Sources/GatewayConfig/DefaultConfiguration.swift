/// The shipped default configuration, embedded so `ssegate` runs (and `ssegate check-config` has something to
/// compare with) without a `conf/` folder next to it.
///
/// Maintainer note: keep this byte-identical to `conf/ssegate.yaml`; `DefaultConfigurationTests` fails
/// otherwise. After editing the file, run `scripts/embed-default-config.sh` (or paste it between the delimiters below;
/// a multi-line literal drops the newline before its closing `"""`, hence the empty last line).
extension GatewayConfiguration {
    public static let defaultYAML: String = #"""
# ssegate configuration.
#
# Every key is optional except `routes`; a missing key takes the default shown here. Unknown keys, wrong
# types and bad values are errors with file:line:column: `ssegate check-config` lists all of them.
# Durations: 250ms, 15s, 2m, 1h, 1d (a bare number is seconds). Sizes: bytes, or 64KiB, 1MiB, 1GiB.

listeners:
  # Browsers connect here: TLS with ALPN h2 and http/1.1.
  - name: public
    host: 0.0.0.0
    port: 8443
    tls: true
    # Limits checked at accept, before a byte is read (over them the connection is closed and counted in
    # ssegate_connections_refused_total{listener,reason}). A client is an IPv4 address or an IPv6 /64.
    # Defaults on an untrusted listener: max_connections 90% of limits.max_connections (the rest stays
    # free for the trusted listener), max_connections_per_ip from limits, and on TLS 64 handshakes per
    # second per client with a burst of 128. Trusted listeners: the whole process cap, no per-client caps.
    # max_connections: 990000
    # max_connections_per_ip: 256        # 0: no limit
    # handshakes_per_second_per_ip: 64   # TLS only; 0: no limit
    # handshake_burst_per_ip: 128
  # Your backend publishes here without a token: plaintext (h2c or HTTP/1.1), loopback only.
  # `trusted` defaults to true for a plaintext loopback listener and false otherwise.
  - name: local
    host: 127.0.0.1
    port: 8080
    tls: false
    trusted: true
  # A TLS listener may add HSTS to every answer: hsts: {max_age: 365d, include_subdomains: false}
  # Operators: the admin API (routes with `listeners: [admin]`), loopback only. Not trusted: publishing
  # here needs the publish token, and the admin API always needs its own token.
  - name: admin
    host: 127.0.0.1
    port: 9090
    tls: false
    trusted: false

tls:
  # The first certificate is served to clients that send no (or an unknown) SNI name; add more with
  # `server_names: [example.com, "*.example.com"]` to choose by SNI.
  certificates:
    - certificate: certs/localhost.pem
      key: certs/localhost-key.pem
  # While the files above are missing, generate a local CA and a localhost certificate into
  # `development_directory` (ssegate prints how to trust the CA). Turn off in production.
  generate_development_certificate: true
  development_directory: certs
  handshake_timeout: 10s
  session_tickets: true
  # Certificates from an ACME CA (Let's Encrypt), obtained and renewed by the gateway itself; the
  # certificate above serves until the first one arrives. See "Operations" in the README.
  # acme:
  #   directory: https://acme-v02.api.letsencrypt.org/directory
  #   email: ops@example.com
  #   domains: [events.example.com]
  #   challenge: tls-alpn-01     # answered on the TLS listener (port 443); or http-01 on a plaintext one (port 80)
  #   storage: certs/acme        # account key, certificate key and chain; reused across restarts

http2:
  max_concurrent_streams: 100
  initial_window_size: 65535
  max_header_list_size: 16KiB
  # An HTTP/2 connection without a stream closes after this.
  idle_timeout: 60s

http1:
  # An HTTP/1.1 keep-alive connection between requests closes after this.
  idle_timeout: 60s

streams:
  # A comment line keeps idle streams open through proxies.
  heartbeat: 15s
  # The `retry:` hint: how long a browser waits before reconnecting.
  retry: 3s
  # A stream with more unsent bytes than this is a slow consumer and is ended (the browser resumes).
  # Keep it above the largest publish (publish.max_body): one publish reaches a stream in one piece.
  outbound_budget: 256KiB
  # The retry hint is drawn from retry .. retry × (1 + retry_jitter): clients dropped together come back spread out.
  retry_jitter: 0.5
  # End streams cleanly after this age (clients resume at once with Last-Event-ID); off unless set.
  # max_age: 30m
  max_age_jitter: 0.1
  # A stream none of whose queued bytes could be sent for this long (its client stopped reading, or
  # keeps its HTTP/2 window shut) is ended; the client resumes from history with Last-Event-ID.
  stall_timeout: 30s

history:
  # Kept per channel so reconnecting clients (Last-Event-ID) miss nothing.
  count: 1000
  bytes: 1MiB
  ttl: 1h
  # All channels together; past it, a publishing channel gives up its oldest events.
  max_total_bytes: 512MiB

publish:
  # Name of the environment variable holding the publish bearer token for untrusted listeners.
  # When it is unset or empty, only trusted listeners accept publishes.
  token_env: SSEGATE_PUBLISH_TOKEN
  max_body: 64KiB
  max_events_per_request: 100
  # A publish repeated with the same Idempotency-Key header within this time delivers nothing new.
  idempotency_ttl: 10m
  # Each publisher's budget on untrusted listeners: per JWT subject, for the static token, or per client
  # address on anonymous routes. Past it: 429 with Retry-After. Trusted listeners are not counted.
  rate_limit: {requests: 200, per: 1s}

limits:
  # All listeners together.
  max_connections: 1100000
  # Open connections per client (IPv4 address, IPv6 /64) on untrusted listeners that set none; 0: no limit.
  # Clients behind one NAT share it: raise it (per listener) when many users arrive from one address.
  max_connections_per_ip: 256
  max_request_head: 16KiB
  # A request head must complete this long after its first byte (slowloris), and a request body may not
  # pause longer than request_body_timeout; past either the HTTP/1.1 connection closes, the HTTP/2
  # stream is reset (an unfinished HTTP/2 header block closes its connection).
  request_head_timeout: 15s
  request_body_timeout: 10s

# Upstream origins (routes with `upstream:`). Every connection held counts: shared sources (open, or failed
# and waiting out their cool-down) and per-client streams. Over the cap: 502 upstream_limit.
upstreams:
  max_connections: 1000
  # Per client address: the shared sources it started (joining an open one costs nothing) and its
  # per-client streams. Over it: a stream-error upstream_client_limit with a retry: hint.
  max_per_client_ip: 32
  # Longest upstream URL a request's parameters may make; longer: 400 url_too_long.
  max_url_length: 2048

# Access control (off unless a route sets `auth: jwt` or `auth: optional`). Keys are read at start and on
# every reload; the algorithm is fixed per key, `none` is refused. Tokens come from `Authorization: Bearer`,
# then the cookie below, then ?access_token= (never logged). Their `ssegate` claim lists channel patterns:
# {"sub":"alice","exp":…,"ssegate":{"subscribe":["news","user:{sub}"],"publish":[],"session":"s1"}}.
# Mint one for development: ssegate token --sub alice --subscribe news 'user:{sub}' --ttl 1h
# auth:
#   jwt:
#     keys:
#       - {alg: HS256, secret_env: SSEGATE_JWT_SECRET}     # or {alg: ES256, public_key_file: conf/jwt.pub.pem}
#       - {jwks_file: conf/jwks.json}                     # a token's kid selects the key
#     issuer: https://auth.example
#     audience: ssegate
#     leeway: 30s
#     cookie: ssegate_token
#     expiry_warning: 60s   # a `stream-auth-expiring` event this long before exp; the stream ends at exp

logging:
  level: info          # trace, debug, info, notice, warning, error, critical
  format: text         # text or json
  access_log: true

# Where channels get their ids and keep their history. `memory` (the default) needs nothing; `redis` lets
# several gateway nodes share channels, history and exact resume (README, "Scale-out").
engine:
  type: memory
  # url: redis://127.0.0.1:6379      # rediss:// for TLS; /N selects database N
  # password_env: SSEGATE_REDIS_PASSWORD
  # tls:
  #   ca_file: /etc/ssl/certs/redis-ca.pem
  # Nodes that share channels use the same prefix.
  key_prefix: ssegate

# SIGTERM drains: GOAWAY, then the streams end at random moments spread over `window`, each with a
# `retry:` hint, so clients do not all reconnect in the same second; the process exits by `deadline`.
drain:
  window: 10s
  deadline: 15s

# Tried in order; the first matching path wins. Each route has exactly one action:
# channel (GET subscribes), publish (POST publishes), health (liveness | readiness), metrics (prometheus),
# upstream (an origin's SSE stream), static (files from a folder: GET and HEAD, with ETag and gzip) or
# admin (the admin API under the route's path).
# Any route may set `listeners: [name, …]`: it then exists only on those listeners (404 elsewhere).
# Channel and upstream routes may set `webhook: {url, secret_env, timeout, max_attempts, backoff, queue,
# ca_file}`: a signed JSON POST (X-Ssegate-Signature: sha256=…) when each stream opens and closes.
# Channel routes may also set: heartbeat, retry, max_age, replay_last (N events on a first connect),
# stream_open_event (an event naming the stream's session, connection and protocol), max_channels (see /events below) and
# history: {count, bytes, ttl} for the channels they create (publish routes may set history too).
# A reconnecting client resumes from Last-Event-ID (or ?lastEventId= / ?last_event_id=); what history no
# longer holds is reported in-band as a `stream-gap` event. Publish with ?session=ID to reach one stream.
# Access: auth: none | jwt | optional (with public_channels: [news, "status:*"] readable without a token),
# and cors: {origins: ["https://app.example", "https://*.example.com"], credentials: true, headers: [], max_age: 10m}.
routes:
  - path: /events/{channel}
    channel: "{channel}"
    stream_open_event: true
  # Several channels in one stream: /events?channel=a&channel=b (ids then carry a position per channel).
  - path: /events
    channel: "{channel}"
    max_channels: 8
  - path: /publish/{channel}
    publish: "{channel}"
  - path: /healthz
    health: liveness
  - path: /readyz
    health: readiness
  # The demo page at https://localhost:8443/: the files of ./www when that folder exists, else the page
  # built into ssegate. The file is the path's parameter; a path without one serves `index` (index.html).
  - path: /
    static: www
  - path: /demo/{file}
    static: www
  # The demo page's publish form: anyone may publish (no token, any listener), only to demo:* channels,
  # within a rate limit shared by all clients (past it: 429 with Retry-After).
  - path: /demo/publish/{channel}
    publish: "demo:{channel}"
    anonymous: true
    rate_limit: {requests: 30, per: 1m}
  # Prometheus metrics, on the trusted loopback listener only.
  - path: /metrics
    metrics: prometheus
    listeners: [local]
  # The admin API: GET /admin (its endpoints), GET /admin/channels, GET|DELETE /admin/channels/{channel},
  # GET|DELETE /admin/sessions/{session}, POST /admin/reload. Bearer token from SSEGATE_ADMIN_TOKEN;
  # while it is unset every admin request is refused (403).
  - path: /admin
    admin:
      token_env: SSEGATE_ADMIN_TOKEN
    listeners: [admin]

"""#
}
