import GatewayConfig
import GatewayHub
import GatewayRouting
import GatewaySSE
import NIOCore

/// Routes a request and decides the answer; the same for HTTP/2 and HTTP/1.1.
struct RequestHandler: Sendable {
    let configuration: GatewayConfiguration
    let routeTable: RouteTable
    let hub: Hub
    /// The publish bearer token from the environment; nil when unset (untrusted listeners then refuse).
    let publishToken: String?
    let readiness: Readiness
    /// Shared upstream sources; nil where no server runs them (unit tests).
    let upstreams: UpstreamRegistry?

    init(configuration: GatewayConfiguration, hub: Hub, publishToken: String?, readiness: Readiness, upstreams: UpstreamRegistry? = nil) {
        self.configuration = configuration
        self.routeTable = configuration.routeTable
        self.hub = hub
        self.publishToken = publishToken
        self.readiness = readiness
        self.upstreams = upstreams
    }

    func handle(_ request: GatewayRequest) -> GatewayResponse {
        guard let match = routeTable.match(path: request.path) else {
            return .error(404, "not_found", "no route matches \(request.path)")
        }
        let options = configuration.routes[match.routeIndex]
        switch match.route.action {
        case .channel(let template):
            guard request.method == "GET" else { return methodNotAllowed(request, allow: "GET") }
            switch streamPlan(request, template: template, match: match, options: options) {
            case .success(let plan): return .eventStream(plan)
            case .failure(let refusal): return refusal.value
            }
        case .publish(let template):
            guard request.method == "POST" else { return methodNotAllowed(request, allow: "POST") }
            if let refusal = authorizePublish(request) { return refusal }
            switch channelName(template, match) {
            case .success(let name): return publish(request, to: name, options: options)
            case .failure(let refusal): return refusal.value
            }
        case .health(let check):
            guard request.method == "GET" || request.method == "HEAD" else { return methodNotAllowed(request, allow: "GET, HEAD") }
            if check == .readiness, !readiness.isReady {
                return .json(503, .object([("status", .string("draining"))]))
            }
            return .json(200, .object([("status", .string("ok"))]))
        case .upstream(let route):
            return upstream(route, request, match, options)
        }
    }

    private func publish(_ request: GatewayRequest, to channel: String, options: RouteConfiguration) -> GatewayResponse {
        guard request.body.readableBytes <= configuration.publish.maxBodyBytes else {
            return Self.bodyTooLarge(limit: configuration.publish.maxBodyBytes)
        }
        // `?session=a&session=b`: only those streams get the events (unicast, or "broadcast to some").
        let sessions = request.query.filter { $0.name == "session" }.map(\.value)
        guard sessions.allSatisfy({ $0.map(SessionID.isValid) ?? false }) else {
            return .error(400, "invalid_session", SessionID.rule)
        }
        let idempotencyKey = request.header("idempotency-key")
        if let idempotencyKey, idempotencyKey.isEmpty || idempotencyKey.utf8.count > 256 {
            return .error(400, "invalid_idempotency_key", "Idempotency-Key must be 1 to 256 characters")
        }
        let events: [ServerSentEvent]
        do {
            events = try PublishBody.events(from: request.body, contentType: request.header("content-type"), maxEvents: configuration.publish.maxEventsPerRequest)
        } catch {
            return .error(error.status, error.code, error.message)
        }
        let result = hub.publish(
            events,
            to: channel,
            targets: sessions.isEmpty ? nil : Set(sessions.compactMap { $0 }),
            limits: historyLimits(options),
            idempotencyKey: idempotencyKey
        )
        return .json(200, .object([
            ("channel", .string(channel)),
            ("ids", .array(result.cursors.map { .string($0.description) })),
            ("subscribers", .int(result.subscribers)),
            ("duplicate", .bool(result.replayed)),
        ]))
    }

    static func bodyTooLarge(limit: Int) -> GatewayResponse {
        .error(413, "body_too_large", "the request body is larger than \(limit) bytes")
    }

    /// Trusted listeners (loopback plaintext by default) publish freely; others need the bearer token.
    private func authorizePublish(_ request: GatewayRequest) -> GatewayResponse? {
        if request.trustedListener { return nil }
        let variable = configuration.publish.tokenEnvironmentVariable
        guard let expected = publishToken else {
            return .error(403, "publish_disabled", "publishing on this listener needs a token, and \(variable) is not set on the server")
        }
        guard let authorization = request.header("authorization") else {
            return .error(401, "unauthorized", "publishing needs 'Authorization: Bearer <token>'", headers: [("www-authenticate", "Bearer")])
        }
        let prefix = "bearer "
        guard authorization.count > prefix.count, authorization.prefix(prefix.count).lowercased() == prefix,
              Self.constantTimeEqual(Array(authorization.utf8.dropFirst(prefix.count)), Array(expected.utf8))
        else {
            return .error(403, "forbidden", "the bearer token is not valid for publishing")
        }
        return nil
    }

    private func channelName(_ template: ParameterTemplate, _ match: RouteMatch) -> Result<String, Response> {
        channelName(template, parameters: match.parameters)
    }

    private func channelName(_ template: ParameterTemplate, parameters: [String: String]) -> Result<String, Response> {
        guard let name = template.expand(parameters), ChannelName.isValid(name) else {
            return .failure(Response(.error(400, "invalid_channel", "channel names are 1 to \(ChannelName.maxBytes) characters of A-Z a-z 0-9 . _ - : @ ~")))
        }
        return .success(name)
    }

    /// Everything a stream needs: its channels (from the path, or one per `?<param>=` when the route allows
    /// several), its session, where the client resumes from, and its timing with jitter applied.
    private func streamPlan(_ request: GatewayRequest, template: ParameterTemplate, match: RouteMatch, options: RouteConfiguration) -> Result<EventStreamPlan, Response> {
        var channels: [String] = []
        let queryParameters = template.parameterNames.filter { match.parameters[$0] == nil }
        if let queryParameter = queryParameters.first {
            let values = request.query.filter { $0.name == queryParameter }.map(\.value)
            guard !values.isEmpty else {
                return .failure(Response(.error(400, "missing_channel", "name at least one channel with ?\(queryParameter)=")))
            }
            for value in values {
                guard let value else { return .failure(Response(.error(400, "invalid_channel", "malformed percent-encoding in ?\(queryParameter)="))) }
                var parameters = match.parameters
                parameters[queryParameter] = value
                switch channelName(template, parameters: parameters) {
                case .success(let name): if !channels.contains(name) { channels.append(name) }
                case .failure(let refusal): return .failure(refusal)
                }
            }
            guard channels.count <= options.maxChannels else {
                return .failure(Response(.error(400, "too_many_channels", "\(channels.count) channels named; this route allows at most \(options.maxChannels)")))
            }
        } else {
            switch channelName(template, match) {
            case .success(let name): channels = [name]
            case .failure(let refusal): return .failure(refusal)
            }
        }
        return streamPlan(request, channels: channels, options: options)
    }

    /// The plan for a stream of `channels`: its session, where the client resumes from (unless
    /// `resumable` is false: a per-client upstream passes the id on to its origin), timing with jitter.
    func streamPlan(_ request: GatewayRequest, channels: [String], options: RouteConfiguration, resumable: Bool = true) -> Result<EventStreamPlan, Response> {
        let session: String
        if let proposed = request.query.first(where: { $0.name == "session" }) {
            guard let value = proposed.value, SessionID.isValid(value) else {
                return .failure(Response(.error(400, "invalid_session", SessionID.rule)))
            }
            session = value
        } else {
            session = SessionID.make()
        }
        // EventSource sends the header on reconnect; polyfills that cannot set headers use the query.
        let lastEventID = request.header("last-event-id") ?? request.queryValue("lastEventId") ?? request.queryValue("last_event_id")
        let streams = configuration.streams
        let retry = Self.milliseconds(options.retry ?? streams.retry)
        let maxAge = (options.maxAge ?? streams.maxAge).map { age in
            TimeAmount.nanoseconds(Int64(Double(TimeAmount(age).nanoseconds) * (1 - Double.random(in: 0...streams.maxAgeJitter))))
        }
        return .success(EventStreamPlan(
            channels: channels,
            session: session,
            lastEventID: resumable ? lastEventID.flatMap { $0.isEmpty ? nil : $0 } : nil,
            replayLast: options.replayLast,
            heartbeat: TimeAmount(options.heartbeat ?? streams.heartbeat),
            retryMilliseconds: retry + Int(Double(retry) * Double.random(in: 0...streams.retryJitter)),
            outboundBudget: streams.outboundBudget,
            maxAge: maxAge,
            streamOpenEvent: options.streamOpenEvent,
            historyLimits: historyLimits(options)
        ))
    }

    /// The history bounds for channels a route creates: its overrides over the `history` section.
    private func historyLimits(_ options: RouteConfiguration) -> HistoryLimits {
        HistoryLimits(options.history?.applied(to: configuration.history) ?? configuration.history)
    }

    private func methodNotAllowed(_ request: GatewayRequest, allow: String) -> GatewayResponse {
        .error(405, "method_not_allowed", "\(request.method) is not allowed here; use \(allow)", headers: [("allow", allow)])
    }

    /// Compares secrets without an early exit, so timing does not reveal how much of a guess was right.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
        return difference == 0
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }

    /// Wraps a response so it can be a `Result` failure.
    struct Response: Error {
        var value: GatewayResponse
        init(_ value: GatewayResponse) { self.value = value }
    }
}

extension HistoryLimits {
    init(_ settings: HistorySettings) {
        self.init(count: settings.count, bytes: settings.bytes, ttl: settings.ttl)
    }
}

/// Session ids: proposed by clients (`?session=`) or made here; they appear in URLs and JSON, so keep them plain.
enum SessionID {
    static let rule = "session ids are 1 to 64 characters of A-Z a-z 0-9 _ -"

    static func isValid(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64 && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }

    /// 15 random characters of A-Z a-z 0-9: about 89 bits, unique enough for addressing (ids are not
    /// secrets; publishing needs the publish credentials). Fifteen UTF-8 bytes is the most a Swift string
    /// stores inline, so the id of each of a million streams costs no allocation of its own.
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
        let bytes = (0..<15).map { _ in digits[Int.random(in: 0..<digits.count, using: &generator)] }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Which channel names are accepted: a conservative set that is safe in ids, logs, URLs and Redis keys.
enum ChannelName {
    static let maxBytes = 200

    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= maxBytes && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "~"):
                true
            default:
                false
            }
        }
    }
}
