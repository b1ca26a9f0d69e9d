import GatewayACME
internal import Yams

// `tls.acme`: decoded into the ACME layer's own settings type, every problem with its position.

extension ACMEConfiguration {
    static let keys = ["directory", "email", "domains", "challenge", "storage", "ca_roots"]

    /// Nil when the section is absent or has problems (they are reported). `listeners` are checked for one
    /// that can answer the challenge: the CA validates HTTP-01 over plain HTTP and TLS-ALPN-01 over TLS.
    static func read(_ section: YAMLMapping?, listeners: [ListenerConfiguration], _ reader: inout YAMLNodeReader) -> ACMEConfiguration? {
        guard let section else { return nil }
        let problemsBefore = reader.problems.count
        reader.require(section, "directory", "domains")
        let directory = reader.value(section, "directory") { node in
            YAMLNodeReader.string(node).flatMap { url in
                url.hasPrefix("https://")
                    ? .success(url)
                    : .failure(ValueProblem("expected the CA's https:// directory URL, found '\(YAMLNodeReader.clip(url))'"))
            }
        }
        let email = reader.value(section, "email") { node in
            YAMLNodeReader.string(node).flatMap { address in
                address.contains("@") && !address.contains(" ")
                    ? .success(address)
                    : .failure(ValueProblem("'\(YAMLNodeReader.clip(address))' is not an email address"))
            }
        }
        var domains: [String] = []
        let domainNodes = reader.list(section, "domains")
        for (index, node) in (domainNodes ?? []).enumerated() {
            let domain = reader.value(node, path: "tls.acme.domains[\(index)]") { node in
                YAMLNodeReader.string(node).flatMap { name in
                    // Wildcards need DNS-01, which this gateway cannot answer (RFC 8555 §7.1.3).
                    ConfigValue.isServerName(name) && !name.hasPrefix("*.")
                        ? .success(name.lowercased())
                        : .failure(ValueProblem("'\(YAMLNodeReader.clip(name))' is not a host name (wildcards need DNS-01, which is not supported)"))
                }
            }
            if let domain, !domains.contains(domain) { domains.append(domain) }
        }
        if let domainNodes, domainNodes.isEmpty, let node = section["domains"] {
            reader.report("tls.acme.domains: name at least one domain", at: node)
        }
        let challenge = reader.choice(section, "challenge", ["tls-alpn-01", "http-01"]).flatMap(Challenge.init(rawValue:))
        switch challenge ?? .tlsALPN01 {
        case .http01 where !listeners.contains(where: { !$0.tls }):
            reader.report("tls.acme.challenge: http-01 is answered on a plaintext listener (port 80 for the CA), and none is configured",
                          at: section["challenge"] ?? section.node)
        case .tlsALPN01 where !listeners.contains(where: \.tls):
            reader.report("tls.acme.challenge: tls-alpn-01 is answered on a TLS listener (port 443 for the CA), and none is configured",
                          at: section["challenge"] ?? section.node)
        case .http01, .tlsALPN01:
            break
        }
        let nonEmptyPath = { (node: Node) -> Result<String, ValueProblem> in
            YAMLNodeReader.string(node).flatMap { path in
                path.isEmpty ? .failure(ValueProblem("a path cannot be empty")) : .success(path)
            }
        }
        let storage = reader.value(section, "storage", nonEmptyPath)
        let roots = reader.value(section, "ca_roots", nonEmptyPath)
        guard reader.problems.count == problemsBefore, let directory else { return nil }
        return ACMEConfiguration(
            directoryURL: directory, contactEmail: email, domains: domains, challenge: challenge ?? .tlsALPN01,
            storageDirectory: storage ?? "certs/acme", trustRootsPath: roots)
    }
}
