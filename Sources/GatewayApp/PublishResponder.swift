import GatewayHTTP
import GatewayHub
import GatewayRouting
import GatewaySSE
import NIOCore
import NIOHTTP1

/// `publish:` routes: `POST` publishes the body to the channel the template names, and answers with the
/// assigned ids: `{"channel","ids","subscribers","duplicate"}`. A publisher with a token (rather than the
/// static one, or a trusted listener) must have the channel in its `publish` claims.
struct PublishResponder: Responder {
    let template: ParameterTemplate
    let engine: any HubEngine
    let maxBodyBytes: Int
    let maxEventsPerRequest: Int
    /// History bounds if this publish creates the channel.
    let historyLimits: HistoryLimits
    let access: ChannelAccess

    var allowedMethods: [HTTPMethod] { [.POST] }

    func respond(to request: Request, context: RequestContext) -> Response {
        switch publish(request, context) {
        case .success(let future): .deferred(future)
        case .failure(let refusal): refusal.response
        }
    }

    private func publish(_ request: Request, _ context: RequestContext) -> Result<EventLoopFuture<Response>, HTTPError> {
        guard request.body.readableBytes <= maxBodyBytes else { return .failure(.bodyTooLarge(limit: maxBodyBytes)) }
        let channel: String
        switch ChannelName.expand(template, context.parameters) {
        case .success(let name): channel = name
        case .failure(let refusal): return .failure(refusal)
        }
        if let refusal = access.refusal(publishing: channel, identity: context.identity) { return .failure(refusal) }
        // `?session=a&session=b`: only those streams get the events (unicast, or "broadcast to some").
        let sessions = request.query.filter { $0.name == "session" }.map(\.value)
        guard sessions.allSatisfy({ $0.map(SessionID.isValid) ?? false }) else { return .failure(.invalidSession) }
        let idempotencyKey = request.header("idempotency-key")
        if let idempotencyKey, idempotencyKey.isEmpty || idempotencyKey.utf8.count > 256 {
            return .failure(HTTPError(400, .invalidIdempotencyKey, "Idempotency-Key must be 1 to 256 characters"))
        }
        let events: [ServerSentEvent]
        switch Result(catching: { () throws(HTTPError) in
            try PublishBody.events(from: request.body, contentType: request.header("content-type"), maxEvents: maxEventsPerRequest)
        }) {
        case .success(let parsed): events = parsed
        case .failure(let refusal): return .failure(refusal)
        }
        let options = PublishOptions(
            targets: sessions.isEmpty ? nil : Set(sessions.compactMap { $0 }), limits: historyLimits, idempotencyKey: idempotencyKey)
        let published = engine.publish(events, to: channel, options: options, on: context.eventLoop).map { result in
            Response.json(200, .object([
                ("channel", .string(channel)),
                ("ids", .array(result.cursors.map { .string($0.description) })),
                ("subscribers", .int(result.subscribers)),
                ("duplicate", .bool(result.replayed)),
            ]))
        }.flatMapErrorThrowing { error in
            // Only an engine behind a network fails: say so, loudly, rather than pretend it was delivered.
            HTTPError(503, .engineUnavailable, "the event could not be published: \(error)", headers: [("retry-after", "1")]).response
        }
        return .success(published)
    }
}
