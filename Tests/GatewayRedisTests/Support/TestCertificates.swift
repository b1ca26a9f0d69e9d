import Foundation

/// A CA and a server certificate for `localhost` and `127.0.0.1`, made with the `openssl` CLI at test time
/// (P-256 keys: quick to generate).
struct TestCertificates: Sendable {
    let caCertificate: String
    let serverCertificate: String
    let serverKey: String

    static func make(in directory: URL) throws -> TestCertificates {
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let extensions = path("server.ext")
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n".write(toFile: extensions, atomically: true, encoding: .utf8)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try ToolRun.check("openssl", ["req", "-x509"] + ec + ["-keyout", path("ca.key"), "-out", path("ca.crt"), "-days", "2", "-subj", "/CN=ssegate redis test CA"])
        try ToolRun.check("openssl", ["req"] + ec + ["-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=localhost"])
        try ToolRun.check("openssl", ["x509", "-req", "-in", path("server.csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
                                      "-CAcreateserial", "-out", path("server.crt"), "-days", "2", "-extfile", extensions])
        return TestCertificates(caCertificate: path("ca.crt"), serverCertificate: path("server.crt"), serverKey: path("server.key"))
    }
}

/// Runs a short command-line tool to completion (openssl, ldd).
enum ToolRun {
    static func output(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw TestFailure("\(tool) failed: \(text)") }
        return text
    }

    static func check(_ tool: String, _ arguments: [String]) throws {
        _ = try self.output(tool, arguments)
    }
}
