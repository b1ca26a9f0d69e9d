import Foundation
import GatewayTLS

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files ACME keeps in its storage folder (default `certs/acme`):
///
///     account-key.pem       the account key (0600); the CA knows the account by it
///     certificate-key.pem   the key of the current certificate (0600)
///     certificate.pem       the current chain, leaf first (0644)
///
/// Every write goes to a temporary file in the same folder and is renamed over the old one, so a reader
/// (or a crash) sees the old file or the new one, never half of one. Key and chain are two renames; a crash
/// between them leaves a pair that does not match, which `storedCertificate` refuses, and the next start
/// orders anew.
public struct ACMEStorage: Sendable {
    public let directory: String

    public init(directory: String = "certs/acme") {
        self.directory = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
    }

    public var accountKeyPath: String { self.directory + "/account-key.pem" }
    public var certificateKeyPath: String { self.directory + "/certificate-key.pem" }
    public var certificateChainPath: String { self.directory + "/certificate.pem" }

    /// The stored account key, or a new one, stored before it is used (so the account survives a crash).
    public func loadOrCreateAccountKey() throws(ACMEError) -> P256SigningKey {
        if let pem = try self.read(self.accountKeyPath) {
            do {
                return try P256SigningKey(pem: pem)
            } catch {
                throw .storage(self.accountKeyPath, reason: "\(error)")
            }
        }
        let key: P256SigningKey
        do {
            key = try P256SigningKey.generate()
        } catch {
            throw .crypto("\(error)")
        }
        try self.writeAtomically(self.accountKeyPath, key.pemEncoded(), mode: 0o600)
        return key
    }

    /// The stored certificate if it exists, its key matches, and it names every domain in `domains`;
    /// nil otherwise (the caller then orders one). Expiry is for the renewal schedule to judge.
    public func storedCertificate(for domains: [String]) -> ACMECertificate? {
        guard let chain = try? self.read(self.certificateChainPath), (try? self.read(self.certificateKeyPath)) != nil,
              let summary = try? CertificateSummary(leafPEM: chain),
              domains.allSatisfy(summary.covers)
        else { return nil }
        let files = TLSCertificateFiles(certificatePath: self.certificateChainPath, keyPath: self.certificateKeyPath, serverNames: domains)
        // Loading the pair into a server context is exactly the check the gateway will make.
        guard (try? TLSServerContext(certificates: [files])) != nil else { return nil }
        return ACMECertificate(files: files, summary: summary)
    }

    /// Stores a new chain and its key (key first: see the type's note on a crash between the two).
    public func storeCertificate(chainPEM: String, key: P256SigningKey, domains: [String]) throws(ACMEError) -> ACMECertificate {
        let summary: CertificateSummary
        do {
            summary = try CertificateSummary(leafPEM: Array(chainPEM.utf8))
        } catch {
            throw .unexpectedResponse("the issued chain does not parse: \(error)")
        }
        try self.writeAtomically(self.certificateKeyPath, key.pemEncoded(), mode: 0o600)
        try self.writeAtomically(self.certificateChainPath, Array(chainPEM.utf8), mode: 0o644)
        let files = TLSCertificateFiles(certificatePath: self.certificateChainPath, keyPath: self.certificateKeyPath, serverNames: domains)
        return ACMECertificate(files: files, summary: summary)
    }

    // MARK: Files

    private func read(_ path: String) throws(ACMEError) -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw .storage(path, reason: "unreadable") }
        return Array(data)
    }

    /// Temp file (O_EXCL, the final mode from the start), fsync, rename over `path`.
    func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(ACMEError) {
        do {
            try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        } catch {
            throw .storage(self.directory, reason: "\(error)")
        }
        let temporary = "\(path).tmp-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw .storage(temporary, reason: "cannot create: errno \(errno)") }
        var failure: String?
        fchmod(descriptor, mode)  // whatever the umask
        var offset = 0
        while offset < bytes.count, failure == nil {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { failure = "cannot write: errno \(errno)" } else { offset += written }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = "fsync failed: errno \(errno)" }
        close(descriptor)
        if failure == nil, rename(temporary, path) != 0 { failure = "cannot rename into place: errno \(errno)" }
        if let failure {
            unlink(temporary)
            throw .storage(path, reason: failure)
        }
    }
}

/// A certificate from the ACME storage, ready for a `TLSServerContext`.
public struct ACMECertificate: Sendable, Hashable {
    /// The chain and key files, with the domains as SNI names.
    public var files: TLSCertificateFiles
    /// Validity, serial number and names of the leaf.
    public var summary: CertificateSummary

    /// Start of validity.
    public var notBefore: Date { Date(timeIntervalSince1970: TimeInterval(self.summary.notBefore)) }
    /// End of validity.
    public var notAfter: Date { Date(timeIntervalSince1970: TimeInterval(self.summary.notAfter)) }
}
