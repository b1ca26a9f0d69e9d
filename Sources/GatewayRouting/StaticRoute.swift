/// A route that serves files (`static:` in the config): the demo page, or a small site beside the gateway.
///
/// The file is named by the route's one path parameter (`/demo/{file}`), or is `index` when the pattern has
/// none (`/`). Parameters never span a `/`, so only a folder's top-level files are reachable.
public struct StaticRoute: Sendable, Hashable {
    /// The folder whose top-level files are served, relative to the working directory. When it does not
    /// exist the embedded demo page is served instead, so the default config shows something at `/`.
    public var directory: String
    /// The file a request names when the route's path has no parameter. Default: `index.html`.
    public var index: String

    public init(directory: String, index: String = "index.html") {
        self.directory = directory
        self.index = index
    }
}
