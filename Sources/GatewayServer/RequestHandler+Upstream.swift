import GatewayConfig
import GatewayRouting
import NIOCore

extension RequestHandler {
    /// `upstream:` routes: fill the URL from path then query parameters, and join its shared source.
    ///
    /// Refusals are 502 with a JSON body, never 503: EventSource gives up on any non-200 (WHATWG HTML
    /// §9.2.3), and a refused upstream is the gateway failing as a gateway (RFC 9110 §15.6.3).
    func upstream(_ route: UpstreamRoute, _ request: GatewayRequest, _ match: RouteMatch, _ options: RouteConfiguration) -> GatewayResponse {
        guard request.method == "GET" else {
            return .error(405, "method_not_allowed", "\(request.method) is not allowed here; use GET", headers: [("allow", "GET")])
        }
        var parameters = match.parameters
        for name in route.url.parameterNames where parameters[name] == nil {
            guard let value = request.queryValue(name), !value.isEmpty else {
                return .error(400, "missing_parameter", "this stream needs the query parameter '\(name)'")
            }
            parameters[name] = value
        }
        guard let url = route.url.expand(parameters) else {
            return .error(400, "missing_parameter", "this stream needs the parameters \(route.url.parameterNames)")
        }
        guard let upstreams else {
            return Self.upstreamRefused(code: "upstream_unavailable", message: "upstreams are not enabled in this process", status: nil)
        }
        switch route.mode {
        case .shared:
            switch upstreams.acquire(url: url, route: route) {
            case .subscribe(let channel):
                // A shared upstream is a hub channel: replay and exact resume as for internal channels.
                switch streamPlan(request, channels: [channel], options: options) {
                case .success(let plan): return .eventStream(plan)
                case .failure(let refusal): return refusal.value
                }
            case .refuse(let code, let message, let status):
                return Self.upstreamRefused(code: code, message: message, status: status)
            }
        case .perClient:
            // Only the configured headers travel; the client's Last-Event-ID is the origin's own id.
            let forwarded = Self.forwardedHeaders(request.headers, names: route.forwardHeaders)
            switch upstreams.clientConfiguration(url: url, route: route, headers: forwarded, lastEventID: request.header("last-event-id")) {
            case .success(let source):
                // The channel name only labels the stream in logs; nothing subscribes to it.
                switch streamPlan(request, channels: [UpstreamRegistry.channelName(url: url)], options: options, resumable: false) {
                case .success(var plan):
                    plan.upstream = UpstreamClientPlan(configuration: source, registry: upstreams, logger: upstreams.logger)
                    return .eventStream(plan)
                case .failure(let refusal):
                    return refusal.value
                }
            case .failure(let refusal):
                return Self.upstreamRefused(code: refusal.code, message: refusal.message, status: nil)
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

    /// `{"error":{"status":502,"code":…,"message":…,"upstream_status":404}}`.
    static func upstreamRefused(code: String, message: String, status: Int?) -> GatewayResponse {
        .json(502, .object([
            ("error", .object([
                ("status", .int(502)), ("code", .string(code)), ("message", .string(message)),
                ("upstream_status", status.map { .int($0) } ?? .null),
            ])),
        ]))
    }
}
