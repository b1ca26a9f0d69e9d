/// ACME settings (`tls.acme` in the configuration file); parsing lives in GatewayConfig.
public struct ACMEConfiguration: Sendable, Hashable {
    /// Which challenge proves control of the domains.
    public enum Challenge: String, Sendable, Hashable {
        /// RFC 8737, answered by the TLS listener on port 443; no plaintext listener needed.
        case tlsALPN01 = "tls-alpn-01"
        /// RFC 8555 §8.3, answered by a plaintext listener on port 80.
        case http01 = "http-01"
    }

    /// The CA's directory URL, e.g. `https://acme-v02.api.letsencrypt.org/directory`.
    public var directoryURL: String
    /// Contact address given to the CA for expiry notices; nil registers without one.
    public var contactEmail: String?
    /// The names the certificate covers, the first one also as its subject CN.
    public var domains: [String]
    /// Default `.tlsALPN01`.
    public var challenge: Challenge
    /// Folder for the account key, certificate key and chain. Default `certs/acme`.
    public var storageDirectory: String
    /// PEM file of CAs trusted for the ACME server's HTTPS; nil uses the system roots.
    public var trustRootsPath: String?
    /// Bound on each HTTP request to the CA. Default 30 s.
    public var requestTimeout: Duration
    /// Bound on one whole order, newOrder to downloaded chain. Default 5 min.
    public var orderTimeout: Duration
    /// When to renew and how to back off.
    public var renewal: RenewalPolicy

    public init(
        directoryURL: String,
        contactEmail: String? = nil,
        domains: [String],
        challenge: Challenge = .tlsALPN01,
        storageDirectory: String = "certs/acme",
        trustRootsPath: String? = nil,
        requestTimeout: Duration = .seconds(30),
        orderTimeout: Duration = .seconds(300),
        renewal: RenewalPolicy = RenewalPolicy()
    ) {
        self.directoryURL = directoryURL
        self.contactEmail = contactEmail
        self.domains = domains
        self.challenge = challenge
        self.storageDirectory = storageDirectory
        self.trustRootsPath = trustRootsPath
        self.requestTimeout = requestTimeout
        self.orderTimeout = orderTimeout
        self.renewal = renewal
    }
}
