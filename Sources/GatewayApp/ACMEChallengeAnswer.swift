import GatewayACME
import GatewayHTTP
import NIOCore
import NIOHTTP1

/// Answers the CA's HTTP-01 validation requests (RFC 8555 §8.3) ahead of every configured route, so no
/// route (a catch-all, a channel pattern) can shadow `/.well-known/acme-challenge/{token}`.
enum ACMEChallengeAnswer {
    /// The key authorization as `text/plain` for a pending token; a 404 for an unknown token under the
    /// challenge prefix; nil for every other path (the routes answer it).
    static func response(to request: Request, from store: HTTP01ChallengeStore) -> Response? {
        guard request.path.hasPrefix(HTTP01ChallengeStore.pathPrefix) else { return nil }
        guard request.method == .GET || request.method == .HEAD,
              let keyAuthorization = store.keyAuthorization(forPath: String(request.path))
        else {
            return HTTPError.notFound(request.path).response
        }
        return .complete(status: 200, headers: [("content-type", "text/plain")], body: ByteBuffer(string: keyAuthorization))
    }
}
