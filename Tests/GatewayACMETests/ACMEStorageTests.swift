import Foundation
import GatewayTLS
import Testing

@testable import GatewayACME

@Suite struct ACMEStorageTests {
    static func makeStorage() -> ACMEStorage {
        ACMEStorage(directory: FileManager.default.temporaryDirectory.appendingPathComponent("ssegate-acme-\(UUID().uuidString)/acme/").path)
    }

    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func accountKeyIsCreatedOnceWithMode0600() throws {
        let storage = Self.makeStorage()
        let first = try storage.loadOrCreateAccountKey()
        let second = try storage.loadOrCreateAccountKey()
        #expect(first.publicJWK == second.publicJWK)
        #expect(try Self.mode(storage.accountKeyPath) == 0o600)
    }

    @Test func writesReplaceAtomicallyAndLeaveNoTemporaryFiles() throws {
        let storage = Self.makeStorage()
        try storage.writeAtomically(storage.certificateChainPath, Array("one".utf8), mode: 0o644)
        try storage.writeAtomically(storage.certificateChainPath, Array("two".utf8), mode: 0o644)
        #expect(try String(contentsOfFile: storage.certificateChainPath, encoding: .utf8) == "two")
        #expect(try FileManager.default.contentsOfDirectory(atPath: storage.directory) == ["certificate.pem"])
        #expect(try Self.mode(storage.certificateChainPath) == 0o644)
    }

    @Test func storedCertificateIsReusedOnlyWhenItFitsAndMatches() throws {
        let storage = Self.makeStorage()
        #expect(storage.storedCertificate(for: ["a.test"]) == nil)

        let development = try DevelopmentCertificateAuthority.ensure(directory: storage.directory + "-dev", names: ["a.test", "b.test"])
        let chain = try String(contentsOfFile: development.certificatePath, encoding: .utf8)
        let key = try P256SigningKey(pem: [UInt8](try Data(contentsOf: URL(fileURLWithPath: development.keyPath))))
        let stored = try storage.storeCertificate(chainPEM: chain, key: key, domains: ["a.test", "b.test"])
        #expect(try Self.mode(storage.certificateKeyPath) == 0o600)

        let reused = try #require(storage.storedCertificate(for: ["a.test", "b.test"]))
        #expect(reused == stored)
        #expect(reused.files.serverNames == ["a.test", "b.test"])
        #expect(storage.storedCertificate(for: ["a.test", "c.test"]) == nil)

        // A key that does not belong to the chain (a crash between the two renames) is refused.
        try storage.writeAtomically(storage.certificateKeyPath, try P256SigningKey.generate().pemEncoded(), mode: 0o600)
        #expect(storage.storedCertificate(for: ["a.test"]) == nil)
    }

    @Test func brokenChainIsRefusedBeforeAnythingIsWritten() throws {
        let storage = Self.makeStorage()
        #expect(throws: ACMEError.self) {
            _ = try storage.storeCertificate(chainPEM: "not a certificate", key: try P256SigningKey.generate(), domains: ["a.test"])
        }
        #expect(!FileManager.default.fileExists(atPath: storage.certificateKeyPath))
    }
}
