import GatewayTLS
import NIOCore

/// Ties the pieces together for the server: storage, the account, orders through the configured challenge.
///
/// The server calls `storedCertificate()` at start-up (a stored certificate is reused, no order), drives a
/// `RenewalSchedule`, and calls `orderCertificate()` when the schedule says `.orderNow`; each result is a
/// ready `TLSCertificateFiles` to swap in. The challenge stores are the server's: it serves them on its
/// listeners (`TLSServerContext(…, acmeChallenges:)`, the `/.well-known/acme-challenge/` route).
public final class ACMECertificateManager: Sendable {
    public let configuration: ACMEConfiguration
    public let storage: ACMEStorage
    private let eventLoopGroup: any EventLoopGroup
    private let responder: ACMEChallengeResponder

    /// - Parameters:
    ///   - http01: served by the plaintext listener; used when the configuration asks for HTTP-01.
    ///   - tlsALPN01: given to the TLS server context; used when the configuration asks for TLS-ALPN-01.
    public init(
        configuration: ACMEConfiguration,
        eventLoopGroup: any EventLoopGroup,
        http01: HTTP01ChallengeStore,
        tlsALPN01: TLSALPNChallengeStore
    ) {
        self.configuration = configuration
        self.storage = ACMEStorage(directory: configuration.storageDirectory)
        self.eventLoopGroup = eventLoopGroup
        switch configuration.challenge {
        case .http01: self.responder = .http01(http01)
        case .tlsALPN01: self.responder = .tlsALPN01(tlsALPN01)
        }
    }

    /// The stored certificate for the configured domains, if there is a usable one (see `ACMEStorage`).
    public func storedCertificate() -> ACMECertificate? {
        self.storage.storedCertificate(for: self.configuration.domains)
    }

    /// Runs one order with the stored (or a new) account and a new certificate key, and stores the result.
    public func orderCertificate() async throws(ACMEError) -> ACMECertificate {
        let accountKey = try self.storage.loadOrCreateAccountKey()
        let certificateKey: P256SigningKey
        do {
            certificateKey = try P256SigningKey.generate()
        } catch {
            throw .crypto("\(error)")
        }
        let client = try ACMEClient(
            directoryURL: self.configuration.directoryURL,
            accountKey: accountKey,
            trustRootsPath: self.configuration.trustRootsPath,
            eventLoopGroup: self.eventLoopGroup,
            requestTimeout: self.configuration.requestTimeout
        )
        try await client.registerAccount(contactEmail: self.configuration.contactEmail)
        let chain = try await client.issueCertificate(
            domains: self.configuration.domains,
            certificateKey: certificateKey,
            responder: self.responder,
            timeout: self.configuration.orderTimeout
        )
        return try self.storage.storeCertificate(chainPEM: chain, key: certificateKey, domains: self.configuration.domains)
    }

    /// A renewal schedule with the configured policy, already holding `certificate` if there is one
    /// (without one, its first action is `.orderNow`).
    public func renewalSchedule(holding certificate: ACMECertificate?) -> RenewalSchedule {
        var schedule = RenewalSchedule(policy: self.configuration.renewal)
        if let certificate {
            schedule.certificateInstalled(notBefore: certificate.notBefore, notAfter: certificate.notAfter)
        }
        return schedule
    }

    /// The stored certificate if there is one, else a new order: what start-up does before the schedule.
    /// - Returns: the certificate and whether it came from storage (no order was placed).
    public func storedOrNewCertificate() async throws(ACMEError) -> (certificate: ACMECertificate, reused: Bool) {
        if let stored = self.storedCertificate() { return (stored, true) }
        return (try await self.orderCertificate(), false)
    }
}
