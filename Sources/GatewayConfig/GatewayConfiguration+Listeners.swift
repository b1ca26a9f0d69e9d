import GatewayHTTP
import GatewayTLS
internal import Yams

extension ListenerConfiguration {
    static let keys = ["name", "host", "port", "tls", "trusted", "hsts"] + limitKeys
    static let limitKeys = ["max_connections", "max_connections_per_ip", "handshakes_per_second_per_ip", "handshake_burst_per_ip"]
    static let hstsKeys = ["max_age", "include_subdomains"]

    /// A listener as read, with the nodes the cross-section checks point at.
    struct Read {
        var configuration: ListenerConfiguration
        var tlsNode: Node?
    }

    /// `listeners:`; the defaults when the key is absent. Incomplete entries are reported and left out.
    static func readList(_ top: YAMLMapping, _ reader: inout YAMLNodeReader) -> [Read] {
        guard let items = reader.list(top, "listeners") else {
            return top["listeners"] == nil ? defaults.map { Read(configuration: $0, tlsNode: nil) } : []
        }
        if items.isEmpty {
            reader.report("listeners: at least one listener is required", at: top["listeners"])
        }
        var listeners: [Read] = []
        var names: [String: Int] = [:]
        var addresses: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let path = "listeners[\(index)]"
            guard let mapping = reader.mapping(item, path: path, keys: keys) else { continue }
            reader.require(mapping, "host", "port", "tls")
            let host = reader.value(mapping, "host") { node in
                YAMLNodeReader.string(node).flatMap { host in
                    ConfigValue.isBindableHost(host)
                        ? .success(host)
                        : .failure(ValueProblem(
                            "'\(YAMLNodeReader.clip(host))' is not an IPv4 or IPv6 literal or 'localhost' "
                                + "(write IPv6 without brackets, e.g. ::1)"))
                }
            }
            let port = reader.int(mapping, "port", in: 0...65535)
            let tls = reader.bool(mapping, "tls")
            let trusted = reader.bool(mapping, "trusted")
            let name = reader.value(mapping, "name") { node in
                YAMLNodeReader.string(node).flatMap { name in
                    name.isEmpty ? .failure(ValueProblem("a listener name cannot be empty")) : .success(name)
                }
            }
            let hsts = readHSTS(mapping, tls: tls, &reader)
            let limits = readLimits(mapping, tls: tls, &reader)
            guard let host, let port, let tls else { continue }
            let listener = ListenerConfiguration(
                name: name, host: host, port: port, tls: tls, trusted: trusted, strictTransportSecurity: hsts, limits: limits)

            // Names label logs and metrics, so two listeners sharing one would be indistinguishable.
            if let first = names[listener.name] {
                reader.report("\(path): listener name '\(listener.name)' is already used by listeners[\(first)]",
                              at: mapping["name"] ?? mapping.node)
            } else {
                names[listener.name] = index
            }
            // The second bind would fail at startup; say so here with a position. Port 0 binds a fresh port.
            let address = "\(host)|\(port)"
            if port != 0, let first = addresses[address] {
                reader.report("\(path): \(host):\(port) is already used by listeners[\(first)]",
                              at: mapping["port"] ?? mapping.node)
            } else {
                addresses[address] = index
            }
            listeners.append(Read(configuration: listener, tlsNode: mapping["tls"]))
        }
        return listeners
    }

    /// The listener's connection caps and handshake rate; absent keys stay nil (defaults by trust).
    private static func readLimits(_ mapping: YAMLMapping, tls: Bool?, _ reader: inout YAMLNodeReader) -> ListenerLimitSettings {
        for key in ["handshakes_per_second_per_ip", "handshake_burst_per_ip"] where tls == false {
            if let node = mapping.entries[key]?.key {
                reader.report("\(mapping.path(key)): only a TLS listener has handshakes to limit "
                    + "(a plaintext listener is bounded by max_connections_per_ip)", at: node)
            }
        }
        return ListenerLimitSettings(
            maxConnections: reader.int(mapping, "max_connections", in: 1...Int(Int32.max)),
            // 0 means no per-client limit.
            maxConnectionsPerIP: reader.int(mapping, "max_connections_per_ip", in: 0...Int(Int32.max)),
            handshakesPerSecondPerIP: reader.int(mapping, "handshakes_per_second_per_ip", in: 0...1_000_000),
            handshakeBurstPerIP: reader.int(mapping, "handshake_burst_per_ip", in: 1...1_000_000)
        )
    }

    /// `hsts: {max_age, include_subdomains}`: only on a TLS listener, since browsers ignore the header over
    /// plaintext (RFC 6797 §7.2) and a plaintext listener sending it would be a misconfiguration.
    private static func readHSTS(_ mapping: YAMLMapping, tls: Bool?, _ reader: inout YAMLNodeReader) -> StrictTransportSecurity? {
        guard let section = reader.section(mapping, "hsts", keys: hstsKeys) else { return nil }
        if tls == false {
            reader.report("\(mapping.path("hsts")): only a TLS listener can send HSTS (browsers ignore it over plaintext)", at: mapping.entries["hsts"]?.key)
        }
        reader.require(section, "max_age")
        guard let maxAge = reader.duration(section, "max_age") else { return nil }
        return StrictTransportSecurity(maxAge: maxAge, includeSubdomains: reader.bool(section, "include_subdomains") ?? false)
    }
}

extension TLSSettings {
    static let keys = [
        "certificates", "generate_development_certificate", "development_directory", "handshake_timeout",
        "session_tickets", "acme",
    ]
    static let certificateKeys = ["certificate", "key", "server_names"]

    /// The settings as read, and whether `certificates` read cleanly (so an empty list is really empty, not
    /// emptied by entries already reported).
    struct Read {
        var settings: TLSSettings
        var certificatesValid: Bool
    }

    static func read(_ section: YAMLMapping?, _ reader: inout YAMLNodeReader) -> Read {
        let defaults = TLSSettings()
        guard let section else { return Read(settings: defaults, certificatesValid: true) }
        let problemsBefore = reader.problems.count
        let certificates = readCertificates(section, &reader)
        let certificatesValid = reader.problems.count == problemsBefore
        let directory = reader.value(section, "development_directory") { node in
            YAMLNodeReader.string(node).flatMap { path in
                path.isEmpty ? .failure(ValueProblem("the development directory cannot be empty")) : .success(path)
            }
        }
        let settings = TLSSettings(
            certificates: certificates ?? defaults.certificates,
            generateDevelopmentCertificate: reader.bool(section, "generate_development_certificate")
                ?? defaults.generateDevelopmentCertificate,
            developmentDirectory: directory ?? defaults.developmentDirectory,
            handshakeTimeout: reader.duration(section, "handshake_timeout") ?? defaults.handshakeTimeout,
            sessionTickets: reader.bool(section, "session_tickets") ?? defaults.sessionTickets
        )
        return Read(settings: settings, certificatesValid: certificatesValid)
    }

    /// `tls.certificates`; nil when absent. File existence is the server's business: the development
    /// certificate may only be generated at startup.
    private static func readCertificates(_ section: YAMLMapping, _ reader: inout YAMLNodeReader)
        -> [TLSCertificateFiles]?
    {
        guard let items = reader.list(section, "certificates") else { return nil }
        var certificates: [TLSCertificateFiles] = []
        var servedBy: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let path = "tls.certificates[\(index)]"
            guard let mapping = reader.mapping(item, path: path, keys: certificateKeys) else { continue }
            reader.require(mapping, "certificate", "key")
            let nonEmptyPath = { (node: Node) -> Result<String, ValueProblem> in
                YAMLNodeReader.string(node).flatMap { path in
                    path.isEmpty ? .failure(ValueProblem("a file path cannot be empty")) : .success(path)
                }
            }
            let certificate = reader.value(mapping, "certificate", nonEmptyPath)
            let key = reader.value(mapping, "key", nonEmptyPath)
            var serverNames: [String] = []
            for (nameIndex, nameNode) in (reader.list(mapping, "server_names") ?? []).enumerated() {
                let namePath = "\(mapping.path("server_names"))[\(nameIndex)]"
                // SNI names compare case-insensitively (RFC 6066 §3), so keep one spelling.
                guard let name = reader.value(nameNode, path: namePath, serverName)?.lowercased() else { continue }
                if let first = servedBy[name] {
                    // A repeat within one certificate is harmless and kept once; across two it is ambiguous.
                    if first != index {
                        reader.report(
                            "\(namePath): server name '\(name)' is already served by tls.certificates[\(first)]",
                            at: nameNode)
                    }
                    continue
                }
                servedBy[name] = index
                serverNames.append(name)
            }
            guard let certificate, let key else { continue }
            certificates.append(TLSCertificateFiles(certificatePath: certificate, keyPath: key, serverNames: serverNames))
        }
        return certificates
    }

    private static func serverName(_ node: Node) -> Result<String, ValueProblem> {
        YAMLNodeReader.string(node).flatMap { name in
            ConfigValue.isServerName(name)
                ? .success(name)
                : .failure(ValueProblem(
                    "'\(YAMLNodeReader.clip(name))' is not a host name or a wildcard like '*.example.com'"))
        }
    }
}
