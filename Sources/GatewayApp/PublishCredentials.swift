import GatewayHTTP

/// The static publish bearer token: trusted listeners (loopback plaintext by default) publish freely;
/// others need `Authorization: Bearer <token>` with the token from the environment variable the config
/// names.
struct PublishCredentials: Middleware {
    /// The token; nil when the variable is unset or empty (untrusted listeners then refuse).
    let token: String?
    /// The variable's name, for the refusal message.
    let variable: String

    func respond(to request: Request, context: RequestContext, next: any Responder) -> Response {
        if let refusal = refusal(for: request) { return refusal.response }
        return next.respond(to: request, context: context)
    }

    private func refusal(for request: Request) -> HTTPError? {
        if request.connection.trusted { return nil }
        guard let token else {
            return HTTPError(403, .publishDisabled, "publishing on this listener needs a token, and \(variable) is not set on the server")
        }
        guard let authorization = request.header("authorization") else {
            return HTTPError(401, .unauthorized, "publishing needs 'Authorization: Bearer <token>'", headers: [("www-authenticate", "Bearer")])
        }
        let prefix = "bearer "
        guard authorization.count > prefix.count, authorization.prefix(prefix.count).lowercased() == prefix,
              Self.constantTimeEqual(Array(authorization.utf8.dropFirst(prefix.count)), Array(token.utf8))
        else {
            return HTTPError(403, .forbidden, "the bearer token is not valid for publishing")
        }
        return nil
    }

    /// Compares secrets without an early exit, so timing does not reveal how much of a guess was right.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
        return difference == 0
    }
}
