/// One entry of a CORS origin allow-list: an exact origin, `https://*.example.com`, or `*`.
///
/// Origins are compared as the browser serializes them (`scheme://host[:port]`, WHATWG HTML §7.1.1), ASCII
/// case-insensitively. The `*.` wildcard stands for exactly one DNS label: `https://*.example.com` allows
/// `https://app.example.com` but neither `https://example.com` nor `https://a.b.example.com`, so a pattern never
/// reaches deeper into a domain than its author wrote. A port, when the pattern has one, must match exactly.
public struct OriginPattern: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case anyOrigin
        case exact(String)
        /// `prefix` is `scheme://`, `suffix` is `.domain[:port]`; one label goes between.
        case oneLabel(prefix: String, suffix: String)
    }

    /// The entry as configured.
    public let description: String
    let kind: Kind

    /// Whether this entry allows every origin (`*`), which cannot be combined with credentials.
    public var allowsAnyOrigin: Bool { kind == .anyOrigin }

    public init(_ text: String) throws(CORSConfigurationError) {
        description = text
        if text == "*" {
            kind = .anyOrigin
            return
        }
        let lowered = text.lowercased()
        guard let schemeEnd = lowered.range(of: "://"), schemeEnd.lowerBound > lowered.startIndex else {
            throw CORSConfigurationError("origin '\(text)' must be scheme://host[:port]")
        }
        let authority = lowered[schemeEnd.upperBound...]
        guard !authority.isEmpty, !authority.contains("/") else {
            throw CORSConfigurationError("origin '\(text)' must be scheme://host[:port], without a path or a trailing /")
        }
        if authority.hasPrefix("*.") {
            let suffix = authority.dropFirst()
            guard !suffix.contains("*"), suffix.count > 1 else {
                throw CORSConfigurationError("origin '\(text)': only one leading '*.' label is allowed")
            }
            kind = .oneLabel(prefix: String(lowered[..<schemeEnd.upperBound]), suffix: String(suffix))
        } else {
            guard !authority.contains("*") else {
                throw CORSConfigurationError("origin '\(text)': '*' may only stand for the first label, as in https://*.example.com")
            }
            kind = .exact(lowered)
        }
    }

    /// Whether the request's `Origin` value is allowed. The opaque origin `null` never is, except by `*`.
    public func matches(_ origin: String) -> Bool {
        switch kind {
        case .anyOrigin:
            return true
        case .exact(let allowed):
            return origin.lowercased() == allowed
        case .oneLabel(let prefix, let suffix):
            let lowered = origin.lowercased()
            guard lowered.hasPrefix(prefix), lowered.hasSuffix(suffix), lowered.count > prefix.count + suffix.count else {
                return false
            }
            let label = lowered.dropFirst(prefix.count).dropLast(suffix.count)
            return label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}

/// Why a CORS policy could not be built from the configuration.
public struct CORSConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
