/// Content types by file extension, for the static responder.
///
/// A fixed table rather than the system's `mime.types`: what a file is served as must not change with the
/// host, and `x-content-type-options: nosniff` makes browsers trust it (a script served as `text/plain`
/// would not run).
enum MediaType {
    /// The `content-type` for a file name; `application/octet-stream` for unknown extensions, so a browser
    /// downloads rather than renders what we cannot name.
    static func contentType(forFileNamed name: String) -> String {
        let fileExtension = name.split(separator: ".").count > 1 ? name.split(separator: ".").last.map { $0.lowercased() } : nil
        return fileExtension.flatMap { table[$0] } ?? "application/octet-stream"
    }

    /// Whether gzip is worth trying: text formats shrink, images and fonts are compressed already.
    static func isCompressible(_ contentType: String) -> Bool {
        contentType.hasPrefix("text/") || contentType.hasPrefix("application/json") || contentType.hasPrefix("application/manifest+json")
            || contentType.hasPrefix("image/svg+xml") || contentType.hasPrefix("application/xml") || contentType.hasPrefix("application/wasm")
    }

    private static let table: [String: String] = [
        "html": "text/html; charset=utf-8",
        "htm": "text/html; charset=utf-8",
        "css": "text/css; charset=utf-8",
        // RFC 9239 §6: text/javascript is the one type for JavaScript.
        "js": "text/javascript; charset=utf-8",
        "mjs": "text/javascript; charset=utf-8",
        "json": "application/json",
        "map": "application/json",
        "webmanifest": "application/manifest+json",
        "txt": "text/plain; charset=utf-8",
        "md": "text/markdown; charset=utf-8",
        "csv": "text/csv; charset=utf-8",
        "xml": "application/xml",
        "svg": "image/svg+xml",
        "png": "image/png",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "gif": "image/gif",
        "webp": "image/webp",
        "avif": "image/avif",
        "ico": "image/x-icon",
        "woff": "font/woff",
        "woff2": "font/woff2",
        "wasm": "application/wasm",
        "pdf": "application/pdf",
    ]
}
