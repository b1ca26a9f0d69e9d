import GatewayConfig
import GatewayTLS

#if canImport(Glibc)
import Glibc
#endif

/// Makes sure the configured certificate files exist, generating the local development CA and
/// certificate when allowed, and builds the TLS server context from them.
enum CertificateProvisioning {
    struct Outcome {
        var context: TLSServerContext
        /// Set when a development CA was created now, so the operator can be told how to trust it.
        var generatedAuthority: DevelopmentCertificateAuthority.Files?
    }

    struct MissingCertificate: Error, CustomStringConvertible {
        var path: String
        var description: String {
            "certificate file '\(path)' does not exist (set tls.generate_development_certificate: true to create a development certificate, or name your own files under tls.certificates)"
        }
    }

    /// - Parameters:
    ///   - acme: the certificate obtained over ACME, if one has arrived: it serves first (the default and its
    ///     domains by SNI); until then the configured (development) certificates serve alone.
    ///   - acmeChallenges: the TLS-ALPN-01 challenges, the same store on every rebuild, so a validation
    ///     that runs across a reload is still answered.
    static func prepare(_ settings: TLSSettings, acme: TLSCertificateFiles? = nil, acmeChallenges: TLSALPNChallengeStore? = nil) throws -> Outcome {
        var generated: DevelopmentCertificateAuthority.Files?
        let missing = settings.certificates.flatMap { [$0.certificatePath, $0.keyPath] }.filter { !fileExists($0) }
        if !missing.isEmpty, settings.generateDevelopmentCertificate {
            let files = try DevelopmentCertificateAuthority.ensure(directory: settings.developmentDirectory)
            if files.created { generated = files }
        }
        if let stillMissing = settings.certificates.flatMap({ [$0.certificatePath, $0.keyPath] }).first(where: { !fileExists($0) }) {
            throw MissingCertificate(path: stillMissing)
        }
        let context = try TLSServerContext(
            certificates: (acme.map { [$0] } ?? []) + settings.certificates, sessionTickets: settings.sessionTickets, acmeChallenges: acmeChallenges)
        return Outcome(context: context, generatedAuthority: generated)
    }

    /// What to tell an operator after a development CA was made.
    static func trustInstructions(_ files: DevelopmentCertificateAuthority.Files) -> String {
        """
        Created a development CA and a localhost certificate:
          CA certificate: \(files.caCertificatePath)
          certificate:    \(files.certificatePath)
        Trust the CA to use https://localhost:8443 without warnings:
          curl:     curl --cacert \(files.caCertificatePath) https://localhost:8443/healthz
          Debian:   sudo cp \(files.caCertificatePath) /usr/local/share/ca-certificates/ssegate-dev.crt && sudo update-ca-certificates
          Chromium: certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n ssegate-dev -i \(files.caCertificatePath)
          Firefox:  Settings → Certificates → View Certificates → Authorities → Import \(files.caCertificatePath)
        """
    }

    private static func fileExists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }
}
