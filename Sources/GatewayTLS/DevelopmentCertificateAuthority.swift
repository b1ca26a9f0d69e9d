internal import COpenSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Generates a local development CA and a certificate for the given names, reusing what already exists.
///
/// Like mkcert: trust `ca.pem` once (browser, curl `--cacert`), then every leaf it signs is accepted.
/// Existing files are never overwritten, so a CA someone already trusts survives every run.
public enum DevelopmentCertificateAuthority {
    public struct Files: Sendable, Hashable {
        /// `<dir>/ca.pem`
        public var caCertificatePath: String
        /// `<dir>/ca-key.pem` (mode 0600)
        public var caKeyPath: String
        /// `<dir>/<firstName>.pem` (the leaf)
        public var certificatePath: String
        /// `<dir>/<firstName>-key.pem` (mode 0600)
        public var keyPath: String
        /// True if anything was generated on this call.
        public var created: Bool

        public init(caCertificatePath: String, caKeyPath: String, certificatePath: String, keyPath: String, created: Bool) {
            self.caCertificatePath = caCertificatePath
            self.caKeyPath = caKeyPath
            self.certificatePath = certificatePath
            self.keyPath = keyPath
            self.created = created
        }
    }

    /// Creates the directory if needed. EC P-256 keys. CA: self-signed, basicConstraints critical CA:TRUE,
    /// keyUsage keyCertSign+cRLSign, subject "CN=ssegate development CA <random suffix>", ~10 years.
    /// Leaf: subjectAltName from `names` (IP literals become IP SANs), EKU serverAuth, keyUsage
    /// digitalSignature, validity 365 days, random serial, signed by the CA.
    /// If the CA exists but the leaf is missing, reuse the CA. Never overwrite existing files.
    public static func ensure(
        directory: String,
        names: [String] = ["localhost", "127.0.0.1", "::1"]
    ) throws(TLSError) -> Files {
        guard let firstName = names.first, !firstName.isEmpty else {
            throw .configuration("a development certificate needs at least one name")
        }
        // The first name becomes a file name, and commas would split the subjectAltName value.
        guard names.allSatisfy({ !$0.isEmpty && !$0.contains("/") && !$0.contains(",") }) else {
            throw .configuration("invalid certificate names \(names)")
        }
        try self.makeDirectories(directory)
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        var files = Files(
            caCertificatePath: base + "/ca.pem",
            caKeyPath: base + "/ca-key.pem",
            certificatePath: base + "/\(firstName).pem",
            keyPath: base + "/\(firstName)-key.pem",
            created: false
        )
        let haveCA = try self.pairExists(files.caCertificatePath, files.caKeyPath)
        let haveLeaf = try self.pairExists(files.certificatePath, files.keyPath)
        if haveLeaf && !haveCA {
            throw .configuration("\(files.certificatePath) exists but its CA \(files.caCertificatePath) does not")
        }
        if haveCA && haveLeaf { return files }

        let ca: (certificate: Certificate, key: PrivateKey)
        if haveCA {
            ca = (try Certificate.load(pemFile: files.caCertificatePath), try PrivateKey.load(pemFile: files.caKeyPath))
        } else {
            ca = try self.makeCA()
            try self.writeNewFile(files.caKeyPath, ca.key.pem(), mode: 0o600)
            try self.writeNewFile(files.caCertificatePath, ca.certificate.pem(), mode: 0o644)
        }
        let leafKey = try PrivateKey.generateP256()
        let leaf = try Certificate.issue(
            commonName: firstName,
            key: leafKey,
            issuer: ca,
            validityDays: 365,
            extensions: [
                (NID_basic_constraints, "critical,CA:FALSE"),
                (NID_key_usage, "critical,digitalSignature"),
                (NID_ext_key_usage, "serverAuth"),
                (NID_subject_alt_name, self.subjectAltName(names)),
                (NID_subject_key_identifier, "hash"),
                (NID_authority_key_identifier, "keyid:always"),
            ]
        )
        try self.writeNewFile(files.keyPath, leafKey.pem(), mode: 0o600)
        try self.writeNewFile(files.certificatePath, leaf.pem(), mode: 0o644)
        files.created = true
        return files
    }

    private static func makeCA() throws(TLSError) -> (certificate: Certificate, key: PrivateKey) {
        var suffix = [UInt8](repeating: 0, count: 4)
        guard RAND_bytes(&suffix, Int32(suffix.count)) == 1 else { throw .configuration("RAND_bytes failed") }
        let hex = suffix.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        let key = try PrivateKey.generateP256()
        let certificate = try Certificate.issue(
            commonName: "ssegate development CA \(hex)",
            key: key,
            issuer: nil,
            validityDays: 3650,
            extensions: [
                (NID_basic_constraints, "critical,CA:TRUE"),
                (NID_key_usage, "critical,keyCertSign,cRLSign"),
                (NID_subject_key_identifier, "hash"),
            ]
        )
        return (certificate, key)
    }

    /// "DNS:localhost,IP:127.0.0.1,IP:::1" — OpenSSL's config syntax splits each entry at its first colon.
    static func subjectAltName(_ names: [String]) -> String {
        names.map { TLSConnection.isIPLiteral($0) ? "IP:\($0)" : "DNS:\($0)" }.joined(separator: ",")
    }

    // MARK: Files

    /// Both files, neither, or an error: half a pair would mean overwriting something.
    private static func pairExists(_ certificatePath: String, _ keyPath: String) throws(TLSError) -> Bool {
        switch (self.fileExists(certificatePath), self.fileExists(keyPath)) {
        case (true, true): return true
        case (false, false): return false
        case (true, false): throw .privateKey(keyPath, reason: "missing while \(certificatePath) exists")
        case (false, true): throw .certificateFile(certificatePath, reason: "missing while \(keyPath) exists")
        }
    }

    private static func fileExists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    private static func makeDirectories(_ directory: String) throws(TLSError) {
        var path = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            path += "/" + component
            if mkdir(path, 0o755) != 0 && errno != EEXIST {
                throw .configuration("cannot create directory \(path): errno \(errno)")
            }
        }
    }

    /// O_EXCL: never overwrite, even if the file appeared since we looked.
    private static func writeNewFile(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(TLSError) {
        guard !bytes.isEmpty else { throw .configuration("nothing to write to \(path)") }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw .configuration("cannot create \(path): errno \(errno)") }
        defer { close(descriptor) }
        // Enforce the mode even under an unusual umask.
        fchmod(descriptor, mode)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw .configuration("cannot write \(path): errno \(errno)") }
            offset += written
        }
    }
}
