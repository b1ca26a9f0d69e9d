import GatewayHTTP
import GatewayHub
import NIOHTTP1

/// `GET <admin>/channels`: every channel the engine holds.
struct AdminChannelListResponder: Responder {
    let engine: any HubEngine

    var allowedMethods: [HTTPMethod] { [.GET, .HEAD] }

    func respond(to request: Request, context: RequestContext) -> Response {
        .deferred(engine.channelSummaries(on: context.eventLoop).map { summaries in
            .json(200, .object([("channels", .array(summaries.map(\.json)))]))
        })
    }
}

/// `GET <admin>/channels/{channel}` shows one channel; `DELETE` closes it (its streams end with a
/// `retry:` hint and come back on their own; the history stays, so they resume where they were).
struct AdminChannelResponder: Responder {
    let engine: any HubEngine

    var allowedMethods: [HTTPMethod] { [.GET, .HEAD, .DELETE] }

    func respond(to request: Request, context: RequestContext) -> Response {
        // Any name the engine holds, upstream channels (`upstream:<url>`) included: an unknown one is a 404.
        guard let name = context.parameters["channel"] else { return HTTPError.invalidChannel.response }
        let close = request.method == .DELETE
        let engine = self.engine
        return .deferred(engine.channelSummary(name, on: context.eventLoop).map { summary in
            guard let summary else {
                return HTTPError(404, .unknownChannel, "no channel named '\(name)' is held on this node").response
            }
            guard close else { return .json(200, summary.json) }
            engine.closeChannel(name)
            return .json(200, .object([("channel", .string(name)), ("closed", .bool(true)), ("streams_ended", .int(summary.subscribers))]))
        })
    }
}

extension ChannelSummary {
    /// `{"name","subscribers","history":{"count","bytes","first_id","last_id"}}`.
    var json: JSONValue {
        .object([
            ("name", .string(name)),
            ("subscribers", .int(subscribers)),
            ("history", .object([
                ("count", .int(historyCount)),
                ("bytes", .int(historyBytes)),
                ("first_id", firstID.map { .string($0.description) } ?? .null),
                ("last_id", lastID.map { .string($0.description) } ?? .null),
            ])),
        ])
    }
}
