import GatewayACME
import GatewayTLS
import NIOCore
import Synchronization

/// The server's side of ACME: the certificate manager, the two challenge stores every snapshot shares,
/// and the certificate that serves now (nil until the first one is stored: the development certificate
/// serves meanwhile).
///
/// The stores are made once and handed to every rebuilt snapshot and TLS context, so a validation the CA
/// runs while a reload swaps the snapshot is still answered.
final class ACMEService: Sendable {
    let manager: ACMECertificateManager
    let http01Challenges: HTTP01ChallengeStore
    let tlsALPNChallenges: TLSALPNChallengeStore
    private let current: Mutex<ACMECertificate?>

    init(configuration: ACMEConfiguration, group: any EventLoopGroup) {
        let http01 = HTTP01ChallengeStore()
        let tlsALPN01 = TLSALPNChallengeStore()
        let manager = ACMECertificateManager(configuration: configuration, eventLoopGroup: group, http01: http01, tlsALPN01: tlsALPN01)
        self.http01Challenges = http01
        self.tlsALPNChallenges = tlsALPN01
        self.manager = manager
        // A certificate stored by an earlier run serves from the first handshake: no order at start-up.
        self.current = Mutex(manager.storedCertificate())
    }

    /// The ACME certificate's files with its domains as SNI names, once there is one.
    var servingCertificate: TLSCertificateFiles? {
        let domains = manager.configuration.domains
        return current.withLock { certificate in
            certificate.map { TLSCertificateFiles(certificatePath: $0.files.certificatePath, keyPath: $0.files.keyPath, serverNames: domains) }
        }
    }

    var certificate: ACMECertificate? { current.withLock { $0 } }

    func installed(_ certificate: ACMECertificate) {
        current.withLock { $0 = certificate }
    }
}
