import Foundation
import GatewayRouting
import NIOCore

/// The files a static route serves, read once when the runtime snapshot is built: the folder's top-level
/// regular files, or the embedded demo page when the folder does not exist.
///
/// Maintainer note: serving from a table made at load time is what rules out path traversal. A request
/// can only name a key of `files`; nothing from the request ever reaches the file system, so `..`,
/// `%2e%2e`, encoded slashes and absolute paths find no entry. While loading, a symbolic link is followed
/// only when its target lies inside the folder. Edited files are picked up on reload (SIGHUP), like the
/// rest of the config.
struct StaticSite: Sendable {
    /// Where the files came from, for tests and the operator.
    enum Origin: Sendable, Equatable {
        case directory(String)
        case embeddedDemoPage
    }

    let origin: Origin
    let files: [String: StaticFile]

    /// Files larger than this are not served (a static route is for a page and its assets, not downloads).
    static let maxFileBytes = 8 << 20
    /// All files of one route together; past it, the rest of the folder is left out.
    static let maxTotalBytes = 64 << 20

    init(origin: Origin, files: [String: StaticFile]) {
        self.origin = origin
        self.files = files
    }

    /// The route's folder when it exists, else the embedded demo page.
    static func load(_ route: StaticRoute) -> StaticSite {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: route.directory, isDirectory: &isFolder), isFolder.boolValue else {
            return embeddedDemoPage
        }
        return StaticSite(origin: .directory(route.directory), files: readFolder(route.directory))
    }

    static var embeddedDemoPage: StaticSite {
        var files: [String: StaticFile] = [:]
        for (name, text) in DemoPage.files { files[name] = StaticFile(name: name, bytes: ByteBuffer(string: text)) }
        return StaticSite(origin: .embeddedDemoPage, files: files)
    }

    /// The folder's regular, non-hidden top-level files whose real location is inside the folder.
    private static func readFolder(_ directory: String) -> [String: StaticFile] {
        let root = URL(fileURLWithPath: directory).resolvingSymlinksInPath().standardizedFileURL.path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        var files: [String: StaticFile] = [:]
        var total = 0
        for name in names.sorted() where !name.hasPrefix(".") {
            let target = URL(fileURLWithPath: root).appendingPathComponent(name).resolvingSymlinksInPath().standardizedFileURL.path
            guard target.hasPrefix(root.hasSuffix("/") ? root : root + "/"),
                  let attributes = try? FileManager.default.attributesOfItem(atPath: target),
                  attributes[.type] as? FileAttributeType == .typeRegular,
                  let size = attributes[.size] as? Int, size <= maxFileBytes, total + size <= maxTotalBytes,
                  let data = FileManager.default.contents(atPath: target)
            else { continue }
            total += data.count
            files[name] = StaticFile(name: name, bytes: ByteBuffer(bytes: data))
        }
        return files
    }
}
