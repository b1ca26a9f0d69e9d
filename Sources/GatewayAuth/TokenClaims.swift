internal import JWTKit

/// The payload ssegate reads and writes, decoded with jwt-kit's claim types.
///
/// Every claim is optional here so that decoding only fails on wrong JSON types: presence is checked after the
/// signature, by ``TokenVerifier``, which then reports the precise reason (`missing_expiry`, ...).
struct TokenClaims: JWTPayload {
    var sub: SubjectClaim?
    var exp: ExpirationClaim?
    var nbf: NotBeforeClaim?
    var iat: IssuedAtClaim?
    var iss: IssuerClaim?
    var aud: AudienceClaim?
    var ssegate: GatewayGrantClaim?

    /// jwt-kit calls this from its own async verification path, which ssegate does not use: ``TokenVerifier``
    /// checks the claims itself, with the configured leeway.
    func verify(using algorithm: some JWTAlgorithm) throws {}
}

/// The private `ssegate` claim: `{"subscribe": [...], "publish": [...], "session": "..."}`.
struct GatewayGrantClaim: Codable, Sendable, Hashable {
    var subscribe: [String]?
    var publish: [String]?
    var session: String?
}
