/// The `strict-transport-security` header a TLS listener adds to every answer (RFC 6797 §6.1), so a browser
/// that once reached the gateway over TLS never tries plaintext for it again.
public struct StrictTransportSecurity: Sendable, Hashable {
    /// How long browsers remember to use only HTTPS (`max-age`, whole seconds).
    public var maxAge: Duration
    /// Whether subdomains are covered too (`includeSubDomains`). Default: false, since a gateway rarely speaks
    /// for every host below its own.
    public var includeSubdomains: Bool

    public init(maxAge: Duration, includeSubdomains: Bool = false) {
        self.maxAge = maxAge
        self.includeSubdomains = includeSubdomains
    }

    /// The header value: `max-age=31536000` with `; includeSubDomains` when asked.
    public var headerValue: String {
        "max-age=\(maxAge.components.seconds)" + (includeSubdomains ? "; includeSubDomains" : "")
    }
}
