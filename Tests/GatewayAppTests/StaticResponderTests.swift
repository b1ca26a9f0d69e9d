import CompressNIO
import Foundation
@testable import GatewayApp
import GatewayConfig
import GatewayHTTP
import GatewayHub
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

/// `static:` routes through the compiled routing table: files, entity tags, gzip, content types, methods,
/// the embedded demo page, and requests that try to leave the folder.
@Suite struct StaticResponderTests {
    /// A folder with a page, a script, an image, a hidden file and two links (one inside, one out), and
    /// beside it a secret the routes must never serve.
    struct Site {
        let root: String
        var folder: String { root + "/site" }

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-static-\(UUID().uuidString)").path
            let manager = FileManager.default
            try manager.createDirectory(atPath: root + "/site/sub", withIntermediateDirectories: true)
            try String(repeating: "<p>hello, static world</p>\n", count: 40).write(toFile: root + "/site/index.html", atomically: true, encoding: .utf8)
            try "console.log('hi')\n".write(toFile: root + "/site/app.js", atomically: true, encoding: .utf8)
            try Data([0x89, 0x50, 0x4E, 0x47]).write(to: URL(fileURLWithPath: root + "/site/logo.png"))
            try "hidden".write(toFile: root + "/site/.env", atomically: true, encoding: .utf8)
            try "nested".write(toFile: root + "/site/sub/nested.txt", atomically: true, encoding: .utf8)
            try "TOP SECRET".write(toFile: root + "/secret.txt", atomically: true, encoding: .utf8)
            try manager.createSymbolicLink(atPath: root + "/site/out.txt", withDestinationPath: root + "/secret.txt")
            try manager.createSymbolicLink(atPath: root + "/site/passwd", withDestinationPath: "/etc/passwd")
            try manager.createSymbolicLink(atPath: root + "/site/same.js", withDestinationPath: root + "/site/app.js")
        }

        func remove() { try? FileManager.default.removeItem(atPath: root) }
    }

    private func snapshot(directory: String) throws -> RuntimeSnapshot {
        let configuration = try GatewayConfiguration.parse(yaml: """
            routes:
              - {path: /, static: "\(directory)"}
              - {path: "/files/{file}", static: "\(directory)"}
            """, fileName: "static.yaml")
        return RuntimeSnapshot(configuration: configuration, engine: MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits()),
                               publishToken: nil, readiness: Readiness())
    }

    private func get(_ snapshot: RuntimeSnapshot, _ target: String, method: HTTPMethod = .GET, headers: [(name: String, value: String)] = [])
        -> (status: Int, headers: [(name: String, value: String)], body: ByteBuffer)
    {
        let request = Request(method: method, target: target, headers: headers, body: ByteBuffer(), connection: ConnectionInfo(listener: "t", trusted: false))
        guard case .complete(let status, let headers, let body) = snapshot.respond(to: request, on: EmbeddedEventLoop()) else {
            Issue.record("not a complete response")
            return (0, [], ByteBuffer())
        }
        return (status, headers, body)
    }

    private func header(_ headers: [(name: String, value: String)], _ name: String) -> String? {
        headers.first { $0.name == name }?.value
    }

    @Test func servesFilesWithTheirContentTypes() throws {
        let site = try Site()
        defer { site.remove() }
        let routes = try snapshot(directory: site.folder)
        let index = get(routes, "/")
        #expect(index.status == 200)
        #expect(header(index.headers, "content-type") == "text/html; charset=utf-8")
        #expect(String(buffer: index.body).hasPrefix("<p>hello, static world</p>"))
        #expect(header(index.headers, "x-content-type-options") == "nosniff")
        #expect(header(get(routes, "/files/app.js").headers, "content-type") == "text/javascript; charset=utf-8")
        #expect(header(get(routes, "/files/logo.png").headers, "content-type") == "image/png")
        #expect(String(buffer: get(routes, "/files/same.js").body) == "console.log('hi')\n", "a link inside the folder is served")
    }

    @Test(arguments: [
        "/files/..", "/files/%2e%2e", "/files/%2E%2E", "/files/..%2fsecret.txt", "/files/%2e%2e%2fsecret.txt",
        "/files/%2fetc%2fpasswd", "/files/%2Fetc%2Fpasswd", "/files/../secret.txt", "/files/sub%2fnested.txt",
        "/files/.env", "/files/out.txt", "/files/passwd", "/files/missing.html", "/files/%00", "/files/sub",
    ])
    func nothingOutsideTheFolderTopLevelIsServed(target: String) throws {
        let site = try Site()
        defer { site.remove() }
        let answer = get(try snapshot(directory: site.folder), target)
        #expect(answer.status == 404, "\(target)")
        #expect(!String(buffer: answer.body).contains("SECRET") && !String(buffer: answer.body).contains("root:"))
    }

    @Test func entityTagsAnswer304() throws {
        let site = try Site()
        defer { site.remove() }
        let routes = try snapshot(directory: site.folder)
        let first = get(routes, "/files/app.js")
        let tag = try #require(header(first.headers, "etag"))
        #expect(tag.hasPrefix("\"") && tag.hasSuffix("\""))
        for condition in [tag, "W/\(tag)", "\"other\", \(tag)", "*"] {
            let again = get(routes, "/files/app.js", headers: [("if-none-match", condition)])
            #expect(again.status == 304, "\(condition)")
            #expect(again.body.readableBytes == 0)
            #expect(header(again.headers, "etag") == tag)
            #expect(header(again.headers, "content-length") == String(first.body.readableBytes))
        }
        #expect(get(routes, "/files/app.js", headers: [("if-none-match", "\"stale\"")]).status == 200)
        #expect(header(get(routes, "/files/logo.png").headers, "etag") != tag)
    }

    @Test func gzipForTextWhenAccepted() throws {
        let site = try Site()
        defer { site.remove() }
        let routes = try snapshot(directory: site.folder)
        let plain = get(routes, "/")
        #expect(header(plain.headers, "content-encoding") == nil)
        #expect(header(plain.headers, "vary") == "accept-encoding")
        var zipped = get(routes, "/", headers: [("accept-encoding", "br, gzip;q=0.8")])
        #expect(header(zipped.headers, "content-encoding") == "gzip")
        #expect(zipped.body.readableBytes < plain.body.readableBytes)
        #expect(header(zipped.headers, "etag") != header(plain.headers, "etag"), "each representation has its own tag")
        #expect(try zipped.body.decompress(with: .gzip()) == plain.body)
        #expect(header(get(routes, "/", headers: [("accept-encoding", "gzip;q=0")]).headers, "content-encoding") == nil)
        #expect(header(get(routes, "/files/logo.png", headers: [("accept-encoding", "gzip")]).headers, "content-encoding") == nil)
        let zippedTag = try #require(header(zipped.headers, "etag"))
        #expect(get(routes, "/", headers: [("accept-encoding", "gzip"), ("if-none-match", zippedTag)]).status == 304)
    }

    @Test func getAndHeadOnly() throws {
        let site = try Site()
        defer { site.remove() }
        let routes = try snapshot(directory: site.folder)
        #expect(get(routes, "/", method: .HEAD).status == 200)
        let post = get(routes, "/", method: .POST)
        #expect(post.status == 405)
        #expect(header(post.headers, "allow") == "GET, HEAD")
    }

    @Test func embeddedDemoPageWhenTheFolderIsAbsent() throws {
        let routes = try snapshot(directory: "/nonexistent/ssegate-\(UUID().uuidString)")
        let page = get(routes, "/")
        #expect(page.status == 200)
        #expect(String(buffer: page.body).contains("<title>ssegate demo</title>"))
        #expect(header(get(routes, "/files/demo.js").headers, "content-type") == "text/javascript; charset=utf-8")
        #expect(header(get(routes, "/files/demo.css").headers, "content-type") == "text/css; charset=utf-8")
        #expect(get(routes, "/files/index.html").status == 200)
        #expect(get(routes, "/files/other.html").status == 404)
    }

    @Test(arguments: [
        ("", true), ("gzip", true), ("GZIP", true), ("deflate, gzip", true), ("*", true), ("gzip;q=0", false),
        ("gzip; q=0.0", false), ("identity", false), ("br", false), ("x-gzip", true),
    ])
    func acceptEncoding(header: String, accepts: Bool) {
        #expect(StaticResponder.acceptsGzip(header.isEmpty ? nil : header) == (header.isEmpty ? false : accepts))
    }
}
