import GatewayRouting
internal import Yams

extension RouteConfiguration {
    static let staticKeys = ["directory", "index"]

    /// `static: www` or `static: {directory: www, index: index.html}`.
    ///
    /// The served file is the path's one parameter, so a pattern with two parameters, or with its parameter
    /// anywhere but last, is refused here rather than serving something surprising.
    static func readStatic(_ route: YAMLMapping, pattern: RoutePattern?, _ reader: inout YAMLNodeReader) -> StaticRoute? {
        guard let node = route["static"] else { return nil }
        let path = route.path("static")
        if let pattern {
            let names = pattern.parameterNames
            let last = pattern.description.split(separator: "/").last.map(String.init)
            if names.count > 1 || (names.count == 1 && last != "{\(names[0])}") {
                reader.report("\(path): a static route's path has at most one parameter, its last segment "
                    + "(like '/assets/{file}'); '\(pattern)' does not", at: route["path"])
            }
        }
        let directory: String?
        var index = "index.html"
        if case .scalar = node {
            directory = reader.value(node, path: path, Self.folderName)
        } else {
            guard let mapping = reader.mapping(node, path: path, keys: staticKeys) else { return nil }
            reader.require(mapping, "directory")
            directory = mapping["directory"].flatMap { reader.value($0, path: mapping.path("directory"), Self.folderName) }
            if let name = reader.value(mapping, "index", Self.fileName) { index = name }
        }
        return directory.map { StaticRoute(directory: $0, index: index) }
    }

    private static func folderName(_ node: Node) -> Result<String, ValueProblem> {
        YAMLNodeReader.string(node).flatMap { text in
            text.isEmpty || text.contains("\0") ? .failure(ValueProblem("expected a folder path, found '\(text)'")) : .success(text)
        }
    }

    /// A file at the top of the folder: no separators, and not hidden (which also rules out `.` and `..`).
    private static func fileName(_ node: Node) -> Result<String, ValueProblem> {
        YAMLNodeReader.string(node).flatMap { text in
            guard !text.isEmpty, !text.hasPrefix("."), !text.contains("/"), !text.contains("\\"), !text.contains("\0") else {
                return .failure(ValueProblem("expected a file name in the folder (no '/', not starting with '.'), found '\(YAMLNodeReader.clip(text))'"))
            }
            return .success(text)
        }
    }
}
