/// The page a `static:` route serves when its folder does not exist: the gateway's demo, so the default
/// config answers `https://localhost:8443/` with something to try instead of a 404.
///
/// Maintainer note: the page is compiled into the binary as Swift strings rather than shipped as a
/// SwiftPM resource: a resource bundle must sit beside the executable at a path SwiftPM chooses, which
/// breaks when the binary alone is installed (`/usr/local/bin`, a container, the systemd unit). The three
/// files are plain HTML, CSS and JavaScript; the browser test loads them exactly as served.
enum DemoPage {
    /// File name → content, as a folder would hold them. The page links its assets as `demo/…`, which the
    /// default config serves from `/demo/{file}`.
    static let files: [(String, String)] = [("index.html", html), ("demo.css", style), ("demo.js", script)]
}
