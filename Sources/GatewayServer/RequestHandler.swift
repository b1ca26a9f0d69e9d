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
            switch channelName(template, match) {
            case .success(let name):
                return .eventStream(EventStreamPlan(
                    channel: name,
                    heartbeat: TimeAmount(options.heartbeat ?? configuration.streams.heartbeat),
                    retryMilliseconds: Self.milliseconds(options.retry ?? configuration.streams.retry),
                    outboundBudget: configuration.streams.outboundBudget
                ))
            case .failure(let refusal): return refusal.value
            }
        case .publish(let template):
            guard request.method == "POST" else { return methodNotAllowed(request, allow: "POST") }
            if let refusal = authorizePublish(request) { return refusal }
            switch channelName(template, match) {
            case .success(let name): return publish(request, to: name)
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

    private func publish(_ request: GatewayRequest, to channel: String) -> GatewayResponse {
        guard request.body.readableBytes <= configuration.publish.maxBodyBytes else {
            return Self.bodyTooLarge(limit: configuration.publish.maxBodyBytes)
        }
        let events: [ServerSentEvent]
        do {
            events = try PublishBody.events(from: request.body, contentType: request.header("content-type"), maxEvents: configuration.publish.maxEventsPerRequest)
        } catch {
            return .error(error.status, error.code, error.message)
        }
        let result = hub.publish(events, to: channel)
        return .json(200, .object([
            ("channel", .string(channel)),
            ("ids", .array(result.cursors.map { .string($0.description) })),
            ("subscribers", .int(result.subscribers)),
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
        guard let name = template.expand(match.parameters), ChannelName.isValid(name) else {
            return .failure(Response(.error(400, "invalid_channel", "channel names are 1 to \(ChannelName.maxBytes) characters of A-Z a-z 0-9 . _ - : @ ~")))
        }
        return .success(name)
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
