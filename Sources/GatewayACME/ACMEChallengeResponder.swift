import GatewayTLS

/// How this gateway proves control of its domains: which challenge it answers, and the store that the
/// listener serving it reads.
public enum ACMEChallengeResponder: Sendable {
    /// HTTP-01 (RFC 8555 §8.3): the plaintext listener serves the store under `/.well-known/acme-challenge/`.
    case http01(HTTP01ChallengeStore)
    /// TLS-ALPN-01 (RFC 8737): a `TLSServerContext` created with the store answers `acme-tls/1` handshakes.
    case tlsALPN01(TLSALPNChallengeStore)

    /// The challenge `type` in the CA's authorization objects.
    var challengeType: String {
        switch self {
        case .http01: "http-01"
        case .tlsALPN01: "tls-alpn-01"
        }
    }

    /// Starts answering; called before telling the CA the challenge is ready (§7.5.1).
    func install(domain: String, token: String, keyAuthorization: String) throws(ACMEError) {
        switch self {
        case .http01(let store):
            store.setChallenge(token: token, keyAuthorization: keyAuthorization)
        case .tlsALPN01(let store):
            do {
                try store.setChallenge(domain: domain, keyAuthorization: keyAuthorization)
            } catch {
                throw .crypto("TLS-ALPN-01 certificate for \(domain): \(error)")
            }
        }
    }

    /// Stops answering, whatever the outcome.
    func remove(domain: String, token: String) {
        switch self {
        case .http01(let store): store.removeChallenge(token: token)
        case .tlsALPN01(let store): store.removeChallenge(domain: domain)
        }
    }
}
