import GatewayRouting
internal import Yams

/// Global limits on upstream origins (`upstreams:`).
public struct UpstreamSettings: Sendable, Equatable {
    /// Most upstream connections held at once: shared sources (open, or failed and in their cool-down)
    /// plus per-client streams. Default: 1000.
    public var maxConnections: Int
    /// Most upstream connections one client address holds open: shared sources it started (joining an open
    /// one does not count) plus its per-client streams. Default: 32.
    public var maxPerClientIP: Int
    /// Longest expanded upstream URL; a request whose parameters make a longer one gets 400. Default: 2048.
    public var maxURLLength: Int

    public init(maxConnections: Int = 1000, maxPerClientIP: Int = 32, maxURLLength: Int = 2048) {
        self.maxConnections = maxConnections
        self.maxPerClientIP = maxPerClientIP
        self.maxURLLength = maxURLLength
    }

    static let keys = ["max_connections", "max_per_client_ip", "max_url_length"]

    static func read(_ section: YAMLMapping?, _ reader: inout YAMLNodeReader) -> Self {
        let defaults = Self()
        guard let section else { return defaults }
        return Self(
            maxConnections: reader.int(section, "max_connections", in: 1...1_000_000) ?? defaults.maxConnections,
            maxPerClientIP: reader.int(section, "max_per_client_ip", in: 1...1_000_000) ?? defaults.maxPerClientIP,
            maxURLLength: reader.int(section, "max_url_length", in: 64...65536) ?? defaults.maxURLLength)
    }
}

extension RouteConfiguration {
    static let upstreamKeys = [
        "url", "mode", "idle_timeout", "always_on", "forward_headers", "ca_file", "connect_timeout", "read_timeout",
        "max_event_size", "reconnect",
    ]
    static let reconnectKeys = ["initial", "max"]

    /// `upstream:` of a route: a mapping with at least `url`, or a bare URL string for the defaults.
    static func readUpstream(_ route: YAMLMapping, pattern: RoutePattern?, _ reader: inout YAMLNodeReader) -> UpstreamRoute? {
        guard let node = route["upstream"] else { return nil }
        let path = route.path("upstream")
        if case .scalar = node {
            return readURL(node, path: path, pattern: pattern, &reader).map { UpstreamRoute(url: $0) }
        }
        guard let mapping = reader.mapping(node, path: path, keys: upstreamKeys) else { return nil }
        reader.require(mapping, "url")
        let url = mapping["url"].flatMap { readURL($0, path: mapping.path("url"), pattern: pattern, &reader) }
        let mode = reader.choice(mapping, "mode", UpstreamRoute.Mode.allCases.map(\.rawValue)).flatMap(UpstreamRoute.Mode.init(rawValue:))
        let forward = readHeaderNames(mapping, &reader)
        if mode ?? .shared == .shared, let key = mapping.entries["forward_headers"]?.key, !forward.isEmpty {
            // Shared upstreams serve many clients at once: whose credentials would they carry?
            reader.report("\(path).forward_headers: only per_client upstreams forward client headers", at: key)
        }
        if mode == .perClient, let key = mapping.entries["always_on"]?.key ?? mapping.entries["idle_timeout"]?.key {
            reader.report("\(path): idle_timeout and always_on apply to shared upstreams only", at: key)
        }
        let reconnect = reader.section(mapping, "reconnect", keys: reconnectKeys)
        let reconnectInitial = reconnect.flatMap { reader.duration($0, "initial") }
        let reconnectMaximum = reconnect.flatMap { reader.duration($0, "max") }
        let caFile = reader.string(mapping, "ca_file")
        if caFile != nil, let url, !url.description.lowercased().hasPrefix("https://") {
            reader.report("\(path).ca_file: only https origins use a CA file", at: mapping.entries["ca_file"]?.key)
        }
        let idleTimeout = reader.duration(mapping, "idle_timeout")
        let alwaysOn = reader.bool(mapping, "always_on")
        let connectTimeout = reader.duration(mapping, "connect_timeout")
        let readTimeout = reader.duration(mapping, "read_timeout")
        let maxEventSize = reader.size(mapping, "max_event_size", in: 16...(64 << 20))
        guard let url else { return nil }
        var route = UpstreamRoute(url: url)
        route.mode = mode ?? route.mode
        route.forwardHeaders = forward
        route.caFile = caFile
        route.idleTimeout = idleTimeout ?? route.idleTimeout
        route.alwaysOn = alwaysOn ?? route.alwaysOn
        route.connection.connectTimeout = connectTimeout ?? route.connection.connectTimeout
        route.connection.readTimeout = readTimeout ?? route.connection.readTimeout
        route.connection.maxEventBytes = maxEventSize ?? route.connection.maxEventBytes
        route.connection.reconnectInitial = reconnectInitial ?? route.connection.reconnectInitial
        route.connection.reconnectMaximum = reconnectMaximum ?? route.connection.reconnectMaximum
        if route.connection.reconnectMaximum < route.connection.reconnectInitial, let reconnect {
            reader.report("\(reconnect.path).max must be at least \(reconnect.path).initial", at: reconnect.node)
        }
        return route
    }

    private static func readURL(_ node: Node, path: String, pattern: RoutePattern?, _ reader: inout YAMLNodeReader) -> UpstreamURLTemplate? {
        reader.value(node, path: path) { node in
            YAMLNodeReader.string(node).flatMap { text in
                Result { () throws(RoutePatternError) in try UpstreamURLTemplate(text) }
                    .mapError { ValueProblem("invalid upstream URL '\(YAMLNodeReader.clip(text))': \($0)") }
            }
        }
    }

    /// `forward_headers`: header names, stored lowercase; hop-by-hop and framing headers are refused.
    private static func readHeaderNames(_ mapping: YAMLMapping, _ reader: inout YAMLNodeReader) -> [String] {
        guard let items = reader.list(mapping, "forward_headers") else { return [] }
        var names: [String] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(mapping.path("forward_headers"))[\(index)]"
            guard let name = reader.value(item, path: itemPath, YAMLNodeReader.string) else { continue }
            let lower = name.lowercased()
            let token = !lower.isEmpty && lower.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
            if !token {
                reader.report("\(itemPath): '\(YAMLNodeReader.clip(name))' is not a header name", at: item)
            } else if notForwardable.contains(lower) {
                reader.report("\(itemPath): '\(lower)' is set by the gateway itself and cannot be forwarded", at: item)
            } else {
                names.append(lower)
            }
        }
        return names
    }

    /// Headers the upstream request sets itself, or that are hop-by-hop (RFC 9110 §7.6.1).
    static let notForwardable: Set<String> = [
        "host", "accept", "cache-control", "last-event-id", "connection", "keep-alive", "transfer-encoding", "te",
        "upgrade", "content-length", "proxy-authorization", "trailer",
    ]
}
