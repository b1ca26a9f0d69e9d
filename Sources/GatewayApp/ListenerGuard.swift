import GatewayHTTP

/// A route with `listeners:` answers only on those listeners; elsewhere it does not exist (404), so an
/// operator route (metrics, admin) on a loopback listener reveals nothing on the public one.
struct ListenerGuard: Middleware {
    let listeners: Set<String>

    func respond(to request: Request, context: RequestContext, next: any Responder) -> Response {
        guard listeners.contains(request.connection.listener) else { return HTTPError.notFound(request.path).response }
        return next.respond(to: request, context: context)
    }
}
