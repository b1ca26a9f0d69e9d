import GatewayHTTP
import GatewayRouting
import NIOHTTP1

/// `upstream:` routes: fill the URL from path then query parameters, then join the URL's shared source
/// (a hub channel, with replay and exact resume as for internal channels) or open one per client.
///
/// Everything that can refuse the request runs before anything is acquired: the URL (parameters, dot
/// segments, separators, length), access to the channel name `upstream:<url>`, and the stream plan
/// (session, Last-Event-ID). Authentication already ran in the route's middleware. Only then is a registry
/// entry (and with it an origin connection) or a per-client slot taken, and nothing after it refuses.
struct UpstreamResponder: Responder {
    let route: UpstreamRoute
    let upstreams: UpstreamRegistry?
    let planner: StreamPlanner

    var allowedMethods: [HTTPMethod] { [.GET] }

    func respond(to request: Request, context: RequestContext) -> Response {
        switch stream(request, context) {
        case .success(let plan): .stream(plan)
        // Over its own cap for now: the client is told to come back, not refused for good.
        case .failure(let refusal) where refusal.code == .upstreamClientLimit:
            RetryLaterStream.response(refusal, retryMilliseconds: planner.jitteredRetryMilliseconds())
        case .failure(let refusal): refusal.response
        }
    }

    private func stream(_ request: Request, _ context: RequestContext) -> Result<EventStreamPlan, HTTPError> {
        var parameters = context.parameters
        for name in route.url.parameterNames where parameters[name] == nil {
            guard let value = request.queryValue(name), !value.isEmpty else {
                return .failure(HTTPError(400, .missingParameter, "this stream needs the query parameter '\(name)'"))
            }
            parameters[name] = value
        }
        let url: String
        do {
            url = try route.url.expanded(parameters, maximumLength: upstreams?.settings.maxURLLength ?? UpstreamURLTemplate.defaultMaximumLength)
        } catch {
            // A missing parameter, a `.`/`..` path segment, a separator, or a URL past the length cap.
            return .failure(HTTPError(400, ErrorCode(rawValue: error.code), error.description))
        }
        let identity = context.identity
        let channel = UpstreamRegistry.channelName(url: url)
        if let refusal = planner.access.refusal(subscribing: [channel], identity: identity) {
            return .failure(refusal)
        }
        guard let upstreams else {
            return .failure(.upstream(.upstreamUnavailable, "upstreams are not enabled in this process"))
        }
        let client = request.connection.remoteAddress?.ipAddress
        switch route.mode {
        case .shared:
            return planner.plan(request, channels: [channel], identity: identity).flatMap { plan in
                switch upstreams.acquire(url: url, route: route, client: client) {
                case .subscribe: .success(plan)
                case .refuse(let refusal): .failure(refusal)
                }
            }
        case .perClient:
            // The channel name only labels the stream in logs; nothing subscribes to it.
            return planner.plan(request, channels: [channel], resumable: false, identity: identity).flatMap { plan in
                // Only the configured headers travel; the client's Last-Event-ID is the origin's own id.
                let forwarded = Self.forwardedHeaders(request.headers, names: route.forwardHeaders)
                return upstreams.clientConfiguration(
                    url: url, route: route, headers: forwarded, lastEventID: request.header("last-event-id"), client: client
                ).map { configuration, slot in
                    var plan = plan
                    plan.upstream = UpstreamClientPlan(configuration: configuration, slot: slot, logger: upstreams.logger)
                    return plan
                }
            }
        }
    }

    /// The configured headers, one field per name: HTTP/2 clients split `cookie` into crumbs that must be
    /// joined with "; " before going to an HTTP/1.1 origin (RFC 9113 §8.2.3); other repeats join with ", "
    /// (RFC 9110 §5.3).
    static func forwardedHeaders(_ headers: [(name: String, value: String)], names: [String]) -> [(name: String, value: String)] {
        names.compactMap { name in
            let values = headers.filter { $0.name == name }.map(\.value)
            guard !values.isEmpty else { return nil }
            return (name, values.joined(separator: name == "cookie" ? "; " : ", "))
        }
    }
}
