internal import CGatewayShims
internal import COpenSSL
import Synchronization

/// The TLS-ALPN-01 challenges being answered right now, by domain; shared by the ACME client, which fills
/// and clears it, and every `TLSServerContext` created with it, which consults it during handshakes.
///
/// Each entry is a ready `SSL_CTX` holding the challenge certificate, so a handshake only looks up a name
/// and switches context. A lock (not an actor) because OpenSSL asks from inside a handshake, synchronously,
/// on an event loop; the lock is held for a dictionary lookup only.
public final class TLSALPNChallengeStore: Sendable {
    /// A challenge ready to serve: its SSL_CTX, and the certificate as PEM for tests to inspect.
    private struct Challenge: Sendable {
        var context: SSLContext
        var certificatePEM: [UInt8]
    }

    private let challenges = Mutex<[String: Challenge]>([:])

    public init() {}

    /// Answers TLS-ALPN-01 handshakes for `domain` with a certificate for `keyAuthorization` (RFC 8555
    /// §8.1: token "." thumbprint) from now on, replacing an earlier challenge for the same domain.
    public func setChallenge(domain: String, keyAuthorization: String) throws(TLSError) {
        let (certificate, key) = try TLSALPNChallengeCertificate.make(domain: domain, keyAuthorization: keyAuthorization)
        let context = try SSLContext(server: true)
        try context.applyBaseline()
        try context.applyServerSessionPolicy(sessionTickets: false)
        try context.use(certificate: certificate, key: key)
        // Only `acme-tls/1` is ever selected on this context (RFC 8737 §3: the server MUST negotiate it).
        // The callback needs no owner: the choice is fixed.
        SSL_CTX_set_alpn_select_cb(context.pointer, { _, out, outLength, input, inputLength, _ in
            acmeTLSProtocols.answerSelectCallback(out, outLength, input, inputLength, noMatch: SSL_TLSEXT_ERR_ALERT_FATAL)
        }, nil)
        // OpenSSL runs the SNI callback of the *current* context, or the original one if it has none, which
        // would switch straight back to the configured certificate; so this context gets one that stays (the
        // name was already matched).
        _ = CGatewayShims_SSL_CTX_set_tlsext_servername_callback(context.pointer) { _, _, _ in SSL_TLSEXT_ERR_OK }
        let name = ServerNameTable.normalize(domain)
        let challenge = Challenge(context: context, certificatePEM: certificate.pem())
        self.challenges.withLock { $0[name] = challenge }
    }

    /// Stops answering for `domain` (after the authorization is valid or has failed).
    public func removeChallenge(domain: String) {
        let name = ServerNameTable.normalize(domain)
        _ = self.challenges.withLock { $0.removeValue(forKey: name) }
    }

    /// The domains with a challenge right now.
    public var pendingDomains: [String] {
        self.challenges.withLock { Array($0.keys) }.sorted()
    }

    /// The challenge context for a server name the client sent, if one is pending.
    func context(forServerName serverName: String) -> SSLContext? {
        let name = ServerNameTable.normalize(serverName)
        return self.challenges.withLock { $0[name]?.context }
    }

    /// The challenge certificate served for `domain`, PEM (for tests).
    func certificatePEM(forDomain domain: String) -> [UInt8]? {
        let name = ServerNameTable.normalize(domain)
        return self.challenges.withLock { $0[name]?.certificatePEM }
    }
}

/// The ALPN list a TLS-ALPN-01 handshake selects from.
let acmeTLSProtocols = try! ALPNProtocols([ALPNProtocols.acmeTLS1])
