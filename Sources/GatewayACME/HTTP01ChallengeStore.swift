import Synchronization

/// The HTTP-01 challenges being answered right now: token → key authorization (RFC 8555 §8.3).
///
/// The ACME client fills and clears it; the plaintext listener answers
/// `GET /.well-known/acme-challenge/{token}` with `keyAuthorization(forToken:)` as `text/plain`, and 404
/// for an unknown token. A lock rather than an actor because the lookup happens on an event loop.
public final class HTTP01ChallengeStore: Sendable {
    /// The path prefix the CA requests (RFC 8555 §8.3), followed by the token.
    public static let pathPrefix = "/.well-known/acme-challenge/"

    private let keyAuthorizations = Mutex<[String: String]>([:])

    public init() {}

    public func setChallenge(token: String, keyAuthorization: String) {
        self.keyAuthorizations.withLock { $0[token] = keyAuthorization }
    }

    public func removeChallenge(token: String) {
        _ = self.keyAuthorizations.withLock { $0.removeValue(forKey: token) }
    }

    /// The body to serve for `token`, or nil (answer 404).
    public func keyAuthorization(forToken token: String) -> String? {
        self.keyAuthorizations.withLock { $0[token] }
    }

    /// The body to serve for a request path, or nil when the path is not a pending challenge.
    public func keyAuthorization(forPath path: String) -> String? {
        guard path.hasPrefix(Self.pathPrefix) else { return nil }
        return self.keyAuthorization(forToken: String(path.dropFirst(Self.pathPrefix.count)))
    }
}
