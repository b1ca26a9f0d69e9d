/// An error from the TLS layer.
///
/// A struct over a private enum so that new cases can be added without breaking callers; compare with
/// `kind` (`error.kind == .handshakeFailed`) and read the associated details through the properties.
public struct TLSError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Storage: Sendable, Hashable {
        case handshakeTimeout
        case handshakeFailed(openSSLErrors: [String])
        case certificateFile(path: String, reason: String)
        case privateKey(path: String, reason: String)
        case keyMismatch(path: String)
        case configuration(reason: String)
        case protocolFailure(openSSLErrors: [String])
        case unexpectedEOF
    }

    /// Which kind of failure happened, without its details.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { self.name }

        /// The peer did not finish the handshake in time.
        public static let handshakeTimeout = Kind("handshakeTimeout")
        /// OpenSSL refused the handshake (bad certificate, no common protocol version or cipher, …).
        public static let handshakeFailed = Kind("handshakeFailed")
        /// A certificate (chain) file could not be read or parsed.
        public static let certificateFile = Kind("certificateFile")
        /// A private key file could not be read or parsed.
        public static let privateKey = Kind("privateKey")
        /// The private key does not belong to the certificate.
        public static let keyMismatch = Kind("keyMismatch")
        /// The configuration is invalid (empty certificate list, bad ALPN name, OpenSSL refused a setting).
        public static let configuration = Kind("configuration")
        /// A TLS error after the handshake (bad record, alert from the peer, …).
        public static let protocolFailure = Kind("protocolFailure")
        /// The connection ended before the TLS session did.
        public static let unexpectedEOF = Kind("unexpectedEOF")
    }

    private let storage: Storage
    private init(_ storage: Storage) { self.storage = storage }

    public static let handshakeTimeout = TLSError(.handshakeTimeout)
    public static let unexpectedEOF = TLSError(.unexpectedEOF)
    public static func handshakeFailed(_ openSSLErrors: [String]) -> TLSError {
        TLSError(.handshakeFailed(openSSLErrors: openSSLErrors))
    }
    public static func certificateFile(_ path: String, reason: String) -> TLSError {
        TLSError(.certificateFile(path: path, reason: reason))
    }
    public static func privateKey(_ path: String, reason: String) -> TLSError {
        TLSError(.privateKey(path: path, reason: reason))
    }
    public static func keyMismatch(_ path: String) -> TLSError { TLSError(.keyMismatch(path: path)) }
    public static func configuration(_ reason: String) -> TLSError { TLSError(.configuration(reason: reason)) }
    public static func protocolFailure(_ openSSLErrors: [String]) -> TLSError {
        TLSError(.protocolFailure(openSSLErrors: openSSLErrors))
    }

    public var kind: Kind {
        switch self.storage {
        case .handshakeTimeout: .handshakeTimeout
        case .handshakeFailed: .handshakeFailed
        case .certificateFile: .certificateFile
        case .privateKey: .privateKey
        case .keyMismatch: .keyMismatch
        case .configuration: .configuration
        case .protocolFailure: .protocolFailure
        case .unexpectedEOF: .unexpectedEOF
        }
    }

    /// The file the error is about, for certificate and key errors.
    public var path: String? {
        switch self.storage {
        case .certificateFile(let path, _), .privateKey(let path, _), .keyMismatch(let path): path
        case .handshakeTimeout, .handshakeFailed, .configuration, .protocolFailure, .unexpectedEOF: nil
        }
    }

    /// OpenSSL's error queue at the time of the failure, one line per entry (empty when not from OpenSSL).
    public var openSSLErrors: [String] {
        switch self.storage {
        case .handshakeFailed(let errors), .protocolFailure(let errors): errors
        case .handshakeTimeout, .certificateFile, .privateKey, .keyMismatch, .configuration, .unexpectedEOF: []
        }
    }

    public var description: String {
        switch self.storage {
        case .handshakeTimeout: "TLS handshake timed out"
        case .handshakeFailed(let errors): "TLS handshake failed: \(Self.join(errors))"
        case .certificateFile(let path, let reason): "cannot load certificate \(path): \(reason)"
        case .privateKey(let path, let reason): "cannot load private key \(path): \(reason)"
        case .keyMismatch(let path): "private key \(path) does not match its certificate"
        case .configuration(let reason): "TLS configuration error: \(reason)"
        case .protocolFailure(let errors): "TLS protocol error: \(Self.join(errors))"
        case .unexpectedEOF: "connection closed before TLS close_notify"
        }
    }

    private static func join(_ errors: [String]) -> String {
        errors.isEmpty ? "no OpenSSL error detail" : errors.joined(separator: "; ")
    }
}
