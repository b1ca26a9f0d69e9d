import GatewayHTTP
import NIOCore
import NIOHTTP1

/// `GET <admin>/sessions/{session}` lists the session's open streams on this node; `DELETE` evicts the
/// session: each of its streams writes a `retry:` hint and ends (on its own loop).
struct AdminSessionResponder: Responder {
    let sessions: SessionRegistry

    var allowedMethods: [HTTPMethod] { [.GET, .HEAD, .DELETE] }

    func respond(to request: Request, context: RequestContext) -> Response {
        guard let session = context.parameters["session"], SessionID.isValid(session) else { return HTTPError.invalidSession.response }
        let streams = sessions.streams(of: session)
        guard !streams.isEmpty else {
            return HTTPError(404, .unknownSession, "no open stream of session '\(session)' on this node").response
        }
        if request.method == .DELETE {
            let ended = streams.map { entry in entry.onLoop { stream in stream.endWithRetryHint() } }
            return .deferred(EventLoopFuture.whenAllComplete(ended, on: context.eventLoop).map { _ in
                .json(200, .object([("session", .string(session)), ("evicted", .bool(true)), ("streams_ended", .int(streams.count))]))
            })
        }
        let snapshots = streams.map { entry in entry.onLoop { stream in stream.adminSnapshot } }
        return .deferred(EventLoopFuture.whenAllSucceed(snapshots, on: context.eventLoop).map { snapshots in
            .json(200, .object([("session", .string(session)), ("streams", .array(snapshots.map(\.json)))]))
        })
    }
}
