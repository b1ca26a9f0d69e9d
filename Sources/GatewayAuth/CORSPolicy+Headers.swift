/// The CORS response headers for a request, from its header list (lowercase names, as ``TokenSource`` takes).
///
/// Every answer carries `vary: origin`: whether `access-control-allow-origin` is sent, and its value, depend on
/// the `Origin` header, so a shared cache must key on it. Preflight answers need no more than that: responses to
/// `OPTIONS` are not cacheable (RFC 9110 §9.3.7).
extension CORSPolicy {
    /// CORS-safelisted request headers (Fetch §2.2.2), which a browser may list in a preflight without their
    /// being configured.
    static let safelistedHeaders: Set<String> = ["accept", "accept-language", "content-language", "content-type"]

    /// Whether a request is a CORS preflight: `OPTIONS` with `origin` and `access-control-request-method`
    /// (Fetch §3.2.2). Other `OPTIONS` requests are ordinary requests.
    public static func isPreflight(method: String, headers: [(name: String, value: String)]) -> Bool {
        method == "OPTIONS"
            && headers.contains { $0.name == "origin" }
            && headers.contains { $0.name == "access-control-request-method" }
    }

    /// The headers of the answer to a preflight (to send with status 204).
    ///
    /// An allowed origin asking for an allowed method and allowed headers gets `access-control-allow-origin`
    /// (with `-credentials`, `-methods`, `-headers`, `-max-age`); anything else gets only `vary: origin`, and the
    /// browser then fails the preflight without the request ever being sent.
    public func preflightResponseHeaders(for request: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [("vary", "origin")]
        guard let origin = request.first(where: { $0.name == "origin" })?.value, allows(origin: origin),
            let method = request.first(where: { $0.name == "access-control-request-method" })?.value,
            allowedMethods.contains(method.uppercased())
        else { return headers }
        let requested = request.filter { $0.name == "access-control-request-headers" }.flatMap { field in
            field.value.split(separator: ",").map { $0.trimmingSpaces().lowercased() }.filter { !$0.isEmpty }
        }
        guard requested.allSatisfy({ allowedHeaders.contains($0) || Self.safelistedHeaders.contains($0) }) else {
            return headers
        }
        headers += allowOriginHeaders(for: origin)
        headers.append(("access-control-allow-methods", allowedMethods.joined(separator: ", ")))
        headers.append(("access-control-allow-headers", allowedHeaders.joined(separator: ", ")))
        headers.append(("access-control-max-age", String(maxAge.components.seconds)))
        return headers
    }

    /// The headers to add to an actual response, whatever its status: a page can then read a 401 or 403 body
    /// and react (fetch a new token) instead of seeing an opaque network error.
    public func responseHeaders(for request: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [("vary", "origin")]
        if let origin = request.first(where: { $0.name == "origin" })?.value, allows(origin: origin) {
            headers += allowOriginHeaders(for: origin)
        }
        return headers
    }

    /// `*` only for an any-origin policy, which cannot have credentials (checked in `init`); otherwise the
    /// request's own origin, as Fetch requires for credentialed responses.
    private func allowOriginHeaders(for origin: String) -> [(name: String, value: String)] {
        if allowsCredentials {
            return [("access-control-allow-origin", origin), ("access-control-allow-credentials", "true")]
        }
        let anyOrigin = origins.contains(where: \.allowsAnyOrigin)
        return [("access-control-allow-origin", anyOrigin ? "*" : origin)]
    }
}

extension StringProtocol {
    /// Without the optional whitespace (SP / HTAB) around list elements (RFC 9110 §5.6.1).
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
