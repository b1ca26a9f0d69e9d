import GatewayACME
import GatewayConfig
import Testing

/// `tls.acme` and `drain`: each key arrives in the settings, and each bad value is reported at its position.
@Suite struct ACMEAndDrainConfigurationTests {
    static let route = "routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n"

    @Test func everyACMEKeyArrives() throws {
        let configuration = try GatewayConfiguration.parse(yaml: """
        tls:
          acme:
            directory: https://acme.example.net/directory
            email: ops@example.com
            domains: [events.example.com, WWW.example.com]
            challenge: http-01
            storage: /var/lib/ssegate/acme
            ca_roots: /etc/ssl/ca.pem
        drain:
          window: 30s
          deadline: 45s
        """ + "\n" + Self.route, fileName: "t.yaml")
        let acme = try #require(configuration.tls.acme)
        #expect(acme.directoryURL == "https://acme.example.net/directory")
        #expect(acme.contactEmail == "ops@example.com")
        #expect(acme.domains == ["events.example.com", "www.example.com"])
        #expect(acme.challenge == .http01)
        #expect(acme.storageDirectory == "/var/lib/ssegate/acme")
        #expect(acme.trustRootsPath == "/etc/ssl/ca.pem")
        #expect(configuration.drain == DrainSettings(window: .seconds(30), deadline: .seconds(45)))
    }

    @Test func defaults() throws {
        let configuration = try GatewayConfiguration.parse(yaml: Self.route, fileName: "t.yaml")
        #expect(configuration.tls.acme == nil)
        #expect(configuration.drain == DrainSettings())
        let acme = try GatewayConfiguration.parse(
            yaml: "tls:\n  acme:\n    directory: https://ca/dir\n    domains: [a.example]\n" + Self.route, fileName: "t.yaml").tls.acme
        #expect(acme?.challenge == .tlsALPN01)
        #expect(acme?.storageDirectory == "certs/acme")
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var yaml: String
        var line: Int
        var column: Int
        var fragment: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "plain http directory", yaml: "tls:\n  acme:\n    directory: http://ca/dir\n    domains: [a.example]\n",
             line: 3, column: 16, fragment: "expected the CA's https:// directory URL"),
        Case(name: "missing domains", yaml: "tls:\n  acme:\n    directory: https://ca/dir\n", line: 3, column: 5, fragment: "domains"),
        Case(name: "empty domains", yaml: "tls:\n  acme:\n    directory: https://ca/dir\n    domains: []\n",
             line: 4, column: 14, fragment: "name at least one domain"),
        Case(name: "wildcard domain", yaml: "tls:\n  acme:\n    directory: https://ca/dir\n    domains: ['*.a.example']\n",
             line: 4, column: 15, fragment: "wildcards need DNS-01"),
        Case(name: "unknown challenge", yaml: "tls:\n  acme:\n    directory: https://ca/dir\n    domains: [a.example]\n    challenge: dns-01\n",
             line: 5, column: 16, fragment: "expected one of tls-alpn-01, http-01"),
        Case(name: "bad email", yaml: "tls:\n  acme:\n    directory: https://ca/dir\n    domains: [a.example]\n    email: nobody\n",
             line: 5, column: 12, fragment: "is not an email address"),
        Case(name: "unknown acme key", yaml: "tls:\n  acme:\n    directory: https://ca/dir\n    domains: [a.example]\n    contact: x\n",
             line: 5, column: 5, fragment: "unknown key 'contact'"),
        Case(name: "http-01 without a plaintext listener",
             yaml: "listeners:\n  - {host: 0.0.0.0, port: 443, tls: true}\ntls:\n  acme:\n    directory: https://ca/dir\n    domains: [a.example]\n    challenge: http-01\n",
             line: 7, column: 16, fragment: "http-01 is answered on a plaintext listener"),
        Case(name: "tls-alpn-01 without a TLS listener",
             yaml: "listeners:\n  - {host: 0.0.0.0, port: 80, tls: false}\ntls:\n  acme:\n    directory: https://ca/dir\n    domains: [a.example]\n",
             line: 5, column: 5, fragment: "tls-alpn-01 is answered on a TLS listener"),
        Case(name: "deadline before window", yaml: "drain:\n  window: 20s\n  deadline: 5s\n", line: 3, column: 13,
             fragment: "drain.deadline: must be at least drain.window"),
        Case(name: "bad drain window", yaml: "drain:\n  window: soon\n", line: 2, column: 11, fragment: "drain.window"),
    ]

    @Test(arguments: cases)
    func problemIsPositioned(_ testCase: Case) {
        do {
            _ = try GatewayConfiguration.parse(yaml: testCase.yaml + Self.route, fileName: "t.yaml")
            Issue.record("accepted")
        } catch {
            let expected = "t.yaml:\(testCase.line):\(testCase.column): error:"
            #expect(error.problems.contains { $0.description.hasPrefix(expected) && $0.description.contains(testCase.fragment) }, "\(error.description)")
        }
    }
}
