import GatewayHTTP

/// The admin bearer token: every admin request needs `Authorization: Bearer <token>` with the token from
/// the variable the route names. Unlike publishing, a trusted listener is no exception: the admin API can
/// end every stream, so it always asks. With no token set it refuses everything.
struct AdminCredentials: Middleware {
    /// The token; nil when the variable is unset or empty.
    let token: String?
    /// The variable's name, for the refusal message.
    let variable: String

    func respond(to request: Request, context: RequestContext, next: any Responder) -> Response {
        if let refusal = refusal(for: request) { return refusal.response }
        return next.respond(to: request, context: context)
    }

    private func refusal(for request: Request) -> HTTPError? {
        guard let token else {
            return HTTPError(403, .adminDisabled, "the admin API is disabled: \(variable) is not set on the server")
        }
        guard let authorization = request.header("authorization") else {
            return HTTPError(401, .unauthorized, "the admin API needs 'Authorization: Bearer <token>'", headers: [("www-authenticate", "Bearer")])
        }
        let prefix = "bearer "
        guard authorization.count > prefix.count, authorization.prefix(prefix.count).lowercased() == prefix,
              PublishCredentials.constantTimeEqual(Array(authorization.utf8.dropFirst(prefix.count)), Array(token.utf8))
        else {
            return HTTPError(403, .forbidden, "the bearer token is not valid for the admin API")
        }
        return nil
    }
}
