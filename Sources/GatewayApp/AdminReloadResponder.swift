import GatewayHTTP
import NIOCore
import NIOHTTP1

/// `POST <admin>/reload`: re-reads the configuration through the server's hook, off the event loops.
/// 202 `{"status":"reloaded"}` once the new runtime is in force (new requests and handshakes use it,
/// running streams keep theirs); 500 `reload_failed` with the reason, the running runtime untouched.
struct AdminReloadResponder: Responder {
    let reload: ReloadHook

    var allowedMethods: [HTTPMethod] { [.POST] }

    func respond(to request: Request, context: RequestContext) -> Response {
        let promise = context.eventLoop.makePromise(of: Response.self)
        let reload = self.reload
        Task {
            do {
                try await reload()
                promise.succeed(.json(202, .object([("status", .string("reloaded"))])))
            } catch {
                promise.succeed(HTTPError(500, .reloadFailed, "the configuration was not reloaded: \(error)").response)
            }
        }
        return .deferred(promise.futureResult)
    }
}
