import Foundation
import GatewayHTTP
import NIOCore
import NIOHTTP1

/// `static:` routes: a file of the route's `StaticSite`, with its entity tag (a matching `If-None-Match`
/// gets 304) and gzip when the client accepts it.
struct StaticResponder: Responder {
    let site: StaticSite
    /// The path parameter naming the file; nil: the route always serves `index`.
    let fileParameter: String?
    let index: String

    var allowedMethods: [HTTPMethod] { [.GET, .HEAD] }

    func respond(to request: Request, context: RequestContext) -> Response {
        let name = fileParameter.flatMap { context.parameters[$0] } ?? index
        // Only names in the table exist; the check documents the rule rather than enforcing it.
        guard !name.hasPrefix("."), !name.contains("/"), let file = site.files[name] else {
            return HTTPError.notFound(request.path).response
        }
        let representation = Self.acceptsGzip(request.header("accept-encoding")) ? file.gzip ?? file.identity : file.identity
        var headers: [(name: String, value: String)] = [
            ("etag", representation.entityTag),
            // Revalidate every time: the tag makes that a 304 without a body, and an edited file (after a
            // reload) shows at once.
            ("cache-control", "no-cache"),
        ]
        if file.gzip != nil { headers.append(("vary", "accept-encoding")) }
        if let condition = request.header("if-none-match"), Self.matches(condition, representation.entityTag) {
            // RFC 9110 §15.4.5: a 304 repeats the validator and caching fields, and the length a 200 would have.
            headers.append(("content-length", String(representation.body.readableBytes)))
            return .complete(status: 304, headers: headers, body: ByteBuffer())
        }
        headers.insert(("content-type", file.contentType), at: 0)
        headers.append(("x-content-type-options", "nosniff"))
        if representation.entityTag != file.identity.entityTag { headers.append(("content-encoding", "gzip")) }
        return .complete(status: 200, headers: headers, body: representation.body)
    }

    /// `If-None-Match` (RFC 9110 §13.1.2): `*`, or a list of tags compared weakly (a `W/` prefix ignored).
    static func matches(_ condition: String, _ entityTag: String) -> Bool {
        let candidates = condition.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return candidates.contains { $0 == "*" || ($0.hasPrefix("W/") ? String($0.dropFirst(2)) : $0) == entityTag }
    }

    /// Whether `Accept-Encoding` (RFC 9110 §12.5.3) lists `gzip` or `*` with a non-zero quality.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for item in header.lowercased().split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let coding = parts.first, coding == "gzip" || coding == "x-gzip" || coding == "*" else { continue }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return quality > 0
        }
        return false
    }
}
