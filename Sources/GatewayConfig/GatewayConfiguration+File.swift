import Foundation
import GatewayACME
import GatewayHTTP
import GatewayHTTP2
import GatewayRouting
internal import Yams

extension GatewayConfiguration {
    /// Reads and validates a YAML file; all problems are reported at once, with the path as given.
    public static func load(contentsOf path: String) throws(ConfigurationError) -> GatewayConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let reason =
                if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                    "no such file"
                } else if isDirectory.boolValue {
                    "it is a directory, not a file"
                } else {
                    "it cannot be read (check its permissions)"
                }
            throw ConfigurationError(problems: [
                ConfigurationProblem(file: path, line: 0, column: 0, message: "cannot read the configuration: \(reason)"),
            ])
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ConfigurationError(problems: [
                ConfigurationProblem(file: path, line: 0, column: 0, message: "the configuration is not valid UTF-8 text"),
            ])
        }
        return try parse(yaml: text, fileName: path)
    }

    /// Reads and validates YAML text; `fileName` is used in the positions of the problems.
    public static func parse(yaml: String, fileName: String) throws(ConfigurationError) -> GatewayConfiguration {
        var reader = YAMLNodeReader(fileName: fileName)
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            // Syntax errors stop here: libyaml cannot resume after one, so there is no tree to check further.
            reader.reportSyntaxError(error, in: yaml)
            throw ConfigurationError(problems: reader.problems)
        }
        guard let root else {
            reader.report("the configuration is empty; at least 'routes' is required", at: nil as Mark?)
            throw ConfigurationError(problems: reader.problems)
        }
        let configuration = read(root, &reader)
        guard reader.problems.isEmpty, let configuration else {
            throw ConfigurationError(problems: reader.problems)
        }
        return configuration
    }

    /// The routing table built from `routes`, in the file's order (first match wins).
    public var routeTable: RouteTable {
        RouteTable(routes.map(\.route))
    }

    static let topLevelKeys = ["listeners", "tls", "http2", "http1", "streams", "history", "publish", "limits", "logging", "routes", "upstreams", "auth", "engine", "drain"]

    /// Reads every section, then the checks that span sections. Nil only when the root is not a mapping.
    private static func read(_ root: Node, _ reader: inout YAMLNodeReader) -> GatewayConfiguration? {
        guard let top = reader.mapping(root, path: "", keys: topLevelKeys) else { return nil }
        let listeners = ListenerConfiguration.readList(top, &reader)
        let tlsSection = reader.section(top, "tls", keys: TLSSettings.keys)
        let tls = TLSSettings.read(tlsSection, &reader)
        checkCertificates(for: listeners, tls: tls, certificatesNode: tlsSection?["certificates"], &reader)
        let authSection = reader.section(top, "auth", keys: AuthSettings.keys)
        let auth = AuthSettings.read(authSection, &reader)
        var configuration = GatewayConfiguration(
            listeners: listeners.map(\.configuration),
            tls: tls.settings,
            http2: HTTP2SessionSettings.read(reader.section(top, "http2", keys: HTTP2SessionSettings.keys), &reader),
            http1: HTTP1Settings.read(reader.section(top, "http1", keys: HTTP1Settings.keys), &reader),
            streams: StreamSettings.read(reader.section(top, "streams", keys: StreamSettings.keys), &reader),
            history: HistorySettings.read(reader.section(top, "history", keys: HistorySettings.keys), &reader),
            publish: PublishSettings.read(reader.section(top, "publish", keys: PublishSettings.keys), &reader),
            limits: LimitSettings.read(reader.section(top, "limits", keys: LimitSettings.keys), &reader),
            logging: LoggingSettings.read(reader.section(top, "logging", keys: LoggingSettings.keys), &reader),
            routes: RouteConfiguration.readList(
                top, listenerNames: listeners.map(\.configuration.name), jwtConfigured: authSection?["jwt"] != nil, &reader),
            upstreams: UpstreamSettings.read(reader.section(top, "upstreams", keys: UpstreamSettings.keys), &reader),
            auth: auth,
            engine: EngineSettings.read(reader.section(top, "engine", keys: EngineSettings.keys), &reader)
        )
        configuration.tls.acme = tlsSection.flatMap { ACMEConfiguration.read(reader.section($0, "acme", keys: ACMEConfiguration.keys), listeners: configuration.listeners, &reader) }
        configuration.drain = DrainSettings.read(reader.section(top, "drain", keys: DrainSettings.keys), &reader)
        return configuration
    }

    /// A TLS listener needs a certificate to present; reported at the listener's `tls: true` (or at
    /// `certificates: []` when the listeners are the defaults).
    private static func checkCertificates(
        for listeners: [ListenerConfiguration.Read], tls: TLSSettings.Read, certificatesNode: Node?,
        _ reader: inout YAMLNodeReader
    ) {
        guard tls.settings.certificates.isEmpty, tls.certificatesValid else { return }
        for listener in listeners where listener.configuration.tls {
            reader.report(
                "listener '\(listener.configuration.name)' has tls: true but tls.certificates is empty; "
                    + "name at least one certificate and key",
                at: listener.tlsNode ?? certificatesNode)
        }
    }
}

extension YAMLNodeReader {
    /// Turns a Yams error into one problem at the position libyaml gives.
    mutating func reportSyntaxError(_ error: any Error, in yaml: String) {
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            // libyaml splits a message into a context and a problem; "but found …" problems read as the
            // second half of a sentence, the others are whole and the context is where it started.
            let message =
                if let context, problem.hasPrefix("but ") {
                    "\(context.text), \(problem)"
                } else if let context {
                    "\(problem) (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
                } else {
                    problem
                }
            report("YAML syntax error: \(message)", at: mark)
        case .reader(let problem, let offset, _, _):
            let (line, column) = offset.map { Self.position(ofCharacterOffset: $0, in: yaml) } ?? (1, 1)
            report("YAML syntax error: \(problem)", line: line, column: column)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\(Self.clip($0))'" }.joined(separator: ", ")
            // Yams gives the first occurrence's position and stops composing, so this problem comes alone.
            report("duplicate key \(keys): a key may appear only once in a mapping (this is its first use)",
                   at: context.mark)
        default:
            report("YAML error: \(error)", at: nil as Mark?)
        }
    }

    /// Line and column (in Unicode scalars, as libyaml counts) of a character offset.
    static func position(ofCharacterOffset offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character == "\n" || character == "\r\n" {
                line += 1
                column = 1
            } else {
                column += character.unicodeScalars.count
            }
        }
        return (line, column)
    }
}
