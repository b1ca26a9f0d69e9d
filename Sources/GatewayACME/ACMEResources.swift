// The ACME objects this client reads (RFC 8555 §7.1), with only the fields it uses.

/// §7.1.1 The directory: where each operation lives.
struct ACMEDirectory: Decodable, Sendable {
    var newNonce: String
    var newAccount: String
    var newOrder: String
}

/// §7.1.3 An order for a set of identifiers.
struct ACMEOrder: Decodable, Sendable {
    /// pending → ready → processing → valid, or invalid (§7.1.6).
    var status: String
    var authorizations: [String]
    var finalize: String
    var certificate: String?
    var error: ACMEProblem?
}

/// §7.1.4 The authorization of one identifier, with the challenges that can prove it.
struct ACMEAuthorization: Decodable, Sendable {
    struct Identifier: Codable, Sendable {
        var type: String
        var value: String
    }

    /// pending → valid, or invalid / deactivated / expired / revoked (§7.1.6).
    var status: String
    var identifier: Identifier
    var challenges: [ACMEChallenge]
}

/// §8 One way of proving control over an identifier.
struct ACMEChallenge: Decodable, Sendable {
    var type: String
    var url: String
    var token: String?
    var status: String
    var error: ACMEProblem?
}

/// RFC 7807 problem document as ACME uses it (§6.7).
struct ACMEProblem: Decodable, Sendable {
    var type: String?
    var detail: String?
    var status: Int?

    /// "urn:ietf:params:acme:error:badNonce": the one problem a client retries by itself (§6.5).
    static let badNonce = "urn:ietf:params:acme:error:badNonce"
}

/// §7.4 The body of a new-order request.
struct ACMENewOrderRequest: Encodable {
    var identifiers: [ACMEAuthorization.Identifier]
}

/// §7.3 The body of a new-account request.
struct ACMENewAccountRequest: Encodable {
    var termsOfServiceAgreed: Bool
    var contact: [String]
}

/// §7.4 The body of a finalize request: the CSR as base64url DER.
struct ACMEFinalizeRequest: Encodable {
    var csr: String
}
