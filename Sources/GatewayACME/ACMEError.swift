/// An error from ACME certificate management, typed by where it happened.
///
/// A struct over a private enum (like `TLSError`) so that cases can be added without breaking callers;
/// compare `kind`, read the details through the properties.
public struct ACMEError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Storage: Sendable, Hashable {
        case network(reason: String)
        case problem(type: String, detail: String, status: Int)
        case validationFailed(domain: String, detail: String)
        case timeout(waitingFor: String)
        case unexpectedResponse(reason: String)
        case storage(path: String, reason: String)
        case crypto(reason: String)
    }

    /// Which kind of failure happened, without its details.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { self.name }

        /// The CA could not be reached, or TLS to it failed.
        public static let network = Kind("network")
        /// The CA answered with an RFC 7807 problem document (RFC 8555 §6.7).
        public static let problem = Kind("problem")
        /// The CA could not validate a challenge for a domain.
        public static let validationFailed = Kind("validationFailed")
        /// An order, authorization or request did not finish in its time bound.
        public static let timeout = Kind("timeout")
        /// The CA answered something this client cannot use (missing header, bad JSON, wrong status).
        public static let unexpectedResponse = Kind("unexpectedResponse")
        /// A key or certificate file could not be read or written.
        public static let storage = Kind("storage")
        /// Key generation, signing or CSR creation failed in OpenSSL.
        public static let crypto = Kind("crypto")
    }

    private let storage: Storage
    private init(_ storage: Storage) { self.storage = storage }

    public static func network(_ reason: String) -> ACMEError { ACMEError(.network(reason: reason)) }
    public static func problem(type: String, detail: String, status: Int) -> ACMEError {
        ACMEError(.problem(type: type, detail: detail, status: status))
    }
    public static func validationFailed(domain: String, detail: String) -> ACMEError {
        ACMEError(.validationFailed(domain: domain, detail: detail))
    }
    public static func timeout(waitingFor what: String) -> ACMEError { ACMEError(.timeout(waitingFor: what)) }
    public static func unexpectedResponse(_ reason: String) -> ACMEError { ACMEError(.unexpectedResponse(reason: reason)) }
    public static func storage(_ path: String, reason: String) -> ACMEError { ACMEError(.storage(path: path, reason: reason)) }
    public static func crypto(_ reason: String) -> ACMEError { ACMEError(.crypto(reason: reason)) }

    public var kind: Kind {
        switch self.storage {
        case .network: .network
        case .problem: .problem
        case .validationFailed: .validationFailed
        case .timeout: .timeout
        case .unexpectedResponse: .unexpectedResponse
        case .storage: .storage
        case .crypto: .crypto
        }
    }

    /// The problem document's `type`, e.g. "urn:ietf:params:acme:error:rateLimited".
    public var problemType: String? {
        switch self.storage {
        case .problem(let type, _, _): type
        case .network, .validationFailed, .timeout, .unexpectedResponse, .storage, .crypto: nil
        }
    }

    /// The domain whose validation failed.
    public var domain: String? {
        switch self.storage {
        case .validationFailed(let domain, _): domain
        case .network, .problem, .timeout, .unexpectedResponse, .storage, .crypto: nil
        }
    }

    public var description: String {
        switch self.storage {
        case .network(let reason): "ACME network error: \(reason)"
        case .problem(let type, let detail, let status): "ACME server error \(status) \(type): \(detail)"
        case .validationFailed(let domain, let detail): "ACME validation failed for \(domain): \(detail)"
        case .timeout(let what): "ACME timed out waiting for \(what)"
        case .unexpectedResponse(let reason): "unexpected ACME response: \(reason)"
        case .storage(let path, let reason): "ACME storage error at \(path): \(reason)"
        case .crypto(let reason): "ACME key or CSR error: \(reason)"
        }
    }
}
