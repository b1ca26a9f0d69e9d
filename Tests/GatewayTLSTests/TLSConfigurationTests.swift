import Testing

@testable import GatewayTLS

@Suite struct TLSConfigurationTests {
    @Test func missingCertificateFileNamesThePath() throws {
        let certificates = try TestCertificates()
        let missing = makeTemporaryDirectory() + "/nope.pem"
        let error = #expect(throws: TLSError.self) {
            try TLSServerContext(certificates: [TLSCertificateFiles(certificatePath: missing, keyPath: certificates.files.keyPath)])
        }
        #expect(error?.kind == .certificateFile)
        #expect(error?.path == missing)
        #expect(error?.description.contains(missing) == true)
    }

    @Test func missingKeyFileNamesThePath() throws {
        let certificates = try TestCertificates()
        let missing = makeTemporaryDirectory() + "/nope-key.pem"
        let error = #expect(throws: TLSError.self) {
            try TLSServerContext(certificates: [
                TLSCertificateFiles(certificatePath: certificates.files.certificatePath, keyPath: missing)
            ])
        }
        #expect(error?.kind == .privateKey)
        #expect(error?.path == missing)
    }

    @Test func keyOfAnotherCertificateIsAMismatch() throws {
        let mine = try TestCertificates()
        let theirs = try TestCertificates()
        let error = #expect(throws: TLSError.self) {
            try TLSServerContext(certificates: [
                TLSCertificateFiles(certificatePath: mine.files.certificatePath, keyPath: theirs.files.keyPath)
            ])
        }
        #expect(error?.kind == .keyMismatch)
        #expect(error?.path == theirs.files.keyPath)
    }

    @Test func emptyCertificateListAndBadALPNAreConfigurationErrors() throws {
        #expect(throws: TLSError.configuration("at least one certificate is required")) {
            try TLSServerContext(certificates: [])
        }
        let error = #expect(throws: TLSError.self) { try TLSClientContext(alpnProtocols: ["h2", ""]) }
        #expect(error?.kind == .configuration)
    }

    @Test func missingTrustRootsNamesThePath() throws {
        let missing = makeTemporaryDirectory() + "/roots.pem"
        let error = #expect(throws: TLSError.self) { try TLSClientContext(trustRootsPath: missing) }
        #expect(error?.kind == .certificateFile)
        #expect(error?.path == missing)
    }

    @Test(arguments: [
        (["h2", "http/1.1"], ["http/1.1", "h2"], "h2"),
        (["h2", "http/1.1"], ["http/1.1"], "http/1.1"),
        (["h2", "http/1.1"], ["spdy/3", "h2c"], nil),
        (["http/1.1"], ["h2", "http/1.1"], "http/1.1"),
    ] as [([String], [String], String?)])
    func alpnPicksTheServersFirstPreferenceTheClientOffers(server: [String], client: [String], expected: String?) throws {
        let serverList = try ALPNProtocols(server)
        let clientWire = try ALPNProtocols(client).wireFormat
        let chosen = clientWire.withUnsafeBytes { bytes in
            serverList.select(fromClientList: bytes).map { String(decoding: clientWire[$0], as: UTF8.self) }
        }
        #expect(chosen == expected)
    }

    @Test func alpnRejectsAMalformedClientList() throws {
        let serverList = try ALPNProtocols(["h2"])
        let truncated: [UInt8] = [5, 0x68, 0x32]  // claims 5 bytes, has 2
        #expect(truncated.withUnsafeBytes { serverList.select(fromClientList: $0) } == nil)
    }

    @Test(arguments: [
        ("api.example.com", 1),
        ("API.Example.COM.", 1),
        ("x.example.com", 2),
        ("a.b.example.com", nil),  // a wildcard covers one label only
        ("example.com", nil),
        ("exact.example.com", 0),  // exact beats wildcard
        ("other.test", nil),
    ] as [(String, Int?)])
    func serverNameTable(name: String, expected: Int?) {
        let table = ServerNameTable([["exact.example.com"], ["api.example.com"], ["*.example.com"]])
        #expect(table.certificateIndex(for: name) == expected)
    }
}

@Suite struct TLSContextSettingsTests {
    @Test(arguments: [true, false])
    func serverSettingsArrive(sessionTickets: Bool) throws {
        let certificates = try TestCertificates()
        let server = try TLSServerContext(certificates: [certificates.certificate()], sessionTickets: sessionTickets)
        let context = try #require(server.contexts.first)
        #expect(context.ticketCount == (sessionTickets ? 1 : 0))
        #expect(context.ticketsDisabled == !sessionTickets)
        #expect(context.renegotiationDisabled)
        #expect(context.releasesBuffers)
        #expect(context.versionRange == TLSClientContext.tls12...TLSClientContext.tls13)
    }

    @Test func clientSettingsArrive() throws {
        let client = try TLSClientContext(verifyPeer: false)
        #expect(!client.verifyPeer)
        #expect(client.context.releasesBuffers)
        #expect(client.context.versionRange == TLSClientContext.tls12...TLSClientContext.tls13)
    }
}
