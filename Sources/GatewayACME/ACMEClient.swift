import Foundation
import GatewayTLS
import NIOCore

// MARK: - ACME for maintainers
//
// The flow (RFC 8555 §7.1, "Overview"), one `issueCertificate` call:
//
//   GET  directory                       → URLs of newNonce, newAccount, newOrder            (§7.1.1)
//   HEAD newNonce                        → the first Replay-Nonce; every later response brings the next (§7.2)
//   POST newAccount  {jwk}               → the account URL (Location), 201 new or 200 existing (§7.3)
//   POST newOrder    {kid}               → order: authorizations, finalize URL            (§7.4)
//   per authorization:
//     POST-as-GET authz                  → challenges; pick http-01 or tls-alpn-01
//     install token "." thumbprint in the store the listener serves (HTTP01/TLSALPNChallengeStore)
//     POST challenge {}                  → the CA starts validating                      (§7.5.1)
//     poll authz until valid / invalid, honouring Retry-After; remove the challenge either way
//   poll order until "ready"; POST finalize {csr}; poll until "valid"                    (§7.4)
//   POST-as-GET certificate              → the PEM chain, leaf first                     (§7.4.2)
//
// Every POST is a JWS (ES256 with the account key) carrying a fresh nonce; a `badNonce` problem is
// retried once with the nonce that came with it (§6.5). Every wait is bounded: each request by the HTTP
// timeout, the whole order by `orderTimeout`.
//
// What is written here rather than taken from a library, and why:
// - JWS, JWK and the thumbprint (`JSONWebSignature`, `P256SigningKey`): ACME needs one algorithm (ES256)
//   in one serialization (flattened JSON, `url`/`nonce`/`jwk`|`kid` headers, an empty payload for
//   POST-as-GET), which JWT libraries do not model. The account key is an OpenSSL key anyway (PEM storage,
//   and the same type signs the CSR), and issue 12 asks for OpenSSL here; signing is ~40 lines over
//   `EVP_DigestSign`, plus turning its DER signature into the raw r||s that RFC 7518 §3.4 wants.
// - The CSR and the TLS-ALPN-01 certificate (`CertificateSigningRequest`, `TLSALPNChallengeCertificate`):
//   a dozen OpenSSL calls each, next to the certificate code GatewayTLS already has.
// - The HTTPS client (`ACMEHTTPClient`): AsyncHTTPClient would bring swift-nio-ssl; ours is NIO's HTTP/1.1
//   codec over our own `TLSHandler`, one connection per request.
// - Base64url: twenty lines, where GatewayTLS has no Foundation.

/// An ACME (RFC 8555) client for one account: registers it and orders certificates.
///
/// An actor because the nonce pool and the account URL change with every request, and the flow is a
/// sequence of awaits on the network.
public actor ACMEClient {
    let http: ACMEHTTPClient
    let directoryURL: String
    let accountKey: P256SigningKey
    let pollInterval: Duration
    var directory: ACMEDirectory?
    /// Nonces from earlier responses, each good for one request (§7.2).
    var nonces: [String] = []
    /// Known once `registerAccount` has run; requests are then signed with `kid` (§6.2).
    var accountURL: String?

    /// - Parameters:
    ///   - directoryURL: the CA's directory, e.g. `https://acme-v02.api.letsencrypt.org/directory`.
    ///   - trustRootsPath: PEM CA file for the CA's HTTPS certificate, nil for the system roots.
    ///   - requestTimeout: bound on each HTTP request.
    ///   - pollInterval: wait between polls when the CA sends no Retry-After.
    public init(
        directoryURL: String,
        accountKey: P256SigningKey,
        trustRootsPath: String?,
        eventLoopGroup: any EventLoopGroup,
        requestTimeout: Duration = .seconds(30),
        pollInterval: Duration = .seconds(1)
    ) throws(ACMEError) {
        self.http = try ACMEHTTPClient(group: eventLoopGroup, trustRootsPath: trustRootsPath, timeout: requestTimeout)
        self.directoryURL = directoryURL
        self.accountKey = accountKey
        self.pollInterval = pollInterval
    }

    /// Creates the account for this key, or finds the existing one (the CA answers 200 with its URL).
    /// - Returns: the account URL.
    @discardableResult
    public func registerAccount(contactEmail: String? = nil) async throws(ACMEError) -> String {
        if let accountURL { return accountURL }
        let request = ACMENewAccountRequest(termsOfServiceAgreed: true, contact: contactEmail.map { ["mailto:\($0)"] } ?? [])
        let response = try await self.post(to: try await self.directoryResource().newAccount, payload: request)
        guard let location = response.header("Location") else {
            throw .unexpectedResponse("newAccount answered without a Location header")
        }
        self.accountURL = location
        return location
    }

    /// Orders a certificate for `domains` and returns its PEM chain (leaf first).
    ///
    /// - Parameters:
    ///   - certificateKey: the key the certificate is for; the CSR is signed with it.
    ///   - responder: the challenge type to answer and the store that serves it.
    ///   - timeout: bound on the whole order, from newOrder to the downloaded chain.
    public func issueCertificate(
        domains: [String],
        certificateKey: P256SigningKey,
        responder: ACMEChallengeResponder,
        timeout: Duration = .seconds(300)
    ) async throws(ACMEError) -> String {
        guard !domains.isEmpty else { throw .unexpectedResponse("an order needs at least one domain") }
        let deadline = ContinuousClock.now + timeout
        try await self.registerAccount()
        let identifiers = domains.map { ACMEAuthorization.Identifier(type: "dns", value: $0) }
        let created = try await self.post(to: try await self.directoryResource().newOrder, payload: ACMENewOrderRequest(identifiers: identifiers))
        guard let orderURL = created.header("Location") else { throw .unexpectedResponse("newOrder answered without a Location header") }
        let order: ACMEOrder = try Self.decode(created)

        for authorizationURL in order.authorizations {
            try await self.authorize(authorizationURL, responder: responder, deadline: deadline)
        }
        let ready: ACMEOrder = try await self.poll(orderURL, deadline: deadline, what: "the order to become ready") { (order: ACMEOrder) throws(ACMEError) in
            try Self.settled(order, waitingWhile: ["pending"], success: "ready")
        }
        let csr: [UInt8]
        do {
            csr = try CertificateSigningRequest.der(dnsNames: domains, key: certificateKey)
        } catch {
            throw .crypto("\(error)")
        }
        _ = try await self.post(to: ready.finalize, payload: ACMEFinalizeRequest(csr: Base64URL.encode(csr)))
        let valid: ACMEOrder = try await self.poll(orderURL, deadline: deadline, what: "the certificate") { (order: ACMEOrder) throws(ACMEError) in
            try Self.settled(order, waitingWhile: ["ready", "processing"], success: "valid")
        }
        guard let certificateURL = valid.certificate else { throw .unexpectedResponse("valid order without a certificate URL") }
        let chain = try await self.postAsGet(certificateURL, accept: "application/pem-certificate-chain")
        let pem = String(decoding: chain.body, as: UTF8.self)
        guard pem.contains("-----BEGIN CERTIFICATE-----") else { throw .unexpectedResponse("certificate download is not PEM") }
        return pem
    }

    /// Answers one authorization's challenge of the responder's type and waits until it is decided.
    private func authorize(_ url: String, responder: ACMEChallengeResponder, deadline: ContinuousClock.Instant) async throws(ACMEError) {
        let authorization: ACMEAuthorization = try Self.decode(try await self.postAsGet(url))
        guard authorization.status != "valid" else { return }  // reused from an earlier order (§7.1.4)
        let domain = authorization.identifier.value
        guard let challenge = authorization.challenges.first(where: { $0.type == responder.challengeType }),
              let token = challenge.token
        else { throw .unexpectedResponse("no \(responder.challengeType) challenge offered for \(domain)") }
        // §8.1: keyAuthorization = token || '.' || base64url(Thumbprint(accountKey))
        let keyAuthorization = "\(token).\(self.accountKey.publicJWK.thumbprint)"
        try responder.install(domain: domain, token: token, keyAuthorization: keyAuthorization)
        defer { responder.remove(domain: domain, token: token) }

        _ = try await self.post(to: challenge.url, payload: [String: String]())
        let _: ACMEAuthorization = try await self.poll(url, deadline: deadline, what: "validation of \(domain)") { (decided: ACMEAuthorization) throws(ACMEError) in
            switch decided.status {
            case "pending": return false
            case "valid": return true
            default:
                let problem = decided.challenges.first(where: { $0.type == responder.challengeType })?.error
                throw .validationFailed(domain: domain, detail: problem?.detail ?? "authorization \(decided.status)")
            }
        }
    }

    /// Whether an order has left its waiting states; `invalid` (or any unexpected state) is an error.
    private static func settled(_ order: ACMEOrder, waitingWhile waiting: Set<String>, success: String) throws(ACMEError) -> Bool {
        if order.status == success { return true }
        if waiting.contains(order.status) { return false }
        if let problem = order.error {
            throw .problem(type: problem.type ?? "", detail: problem.detail ?? "order \(order.status)", status: problem.status ?? 0)
        }
        throw .unexpectedResponse("order is \(order.status), expected \(success)")
    }
}
