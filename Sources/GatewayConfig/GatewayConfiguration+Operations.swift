import GatewayRouting
internal import Yams

// The operator-facing route options: `metrics:` and `admin:` actions, a route's `listeners:` and `webhook:`.

extension GatewayConfiguration {
    /// Whether a route serves metrics. Only then does the process collect the ones that cost something on
    /// the delivery path (the publish-to-write histogram, socket bytes out): with no one to read them,
    /// counting them is waste.
    public var collectsMetrics: Bool {
        routes.contains { $0.route.action == .metrics }
    }
}

extension RouteConfiguration {
    static let adminKeys = ["token_env"]
    static let webhookKeys = ["url", "secret_env", "timeout", "max_attempts", "backoff", "queue", "ca_file"]

    /// `metrics: prometheus`, the one exposition format served.
    static func readMetrics(_ mapping: YAMLMapping, _ reader: inout YAMLNodeReader) -> RouteAction? {
        reader.choice(mapping, "metrics", ["prometheus"]).map { _ in .metrics }
    }

    /// `admin: {token_env: NAME}` (or `admin: {}` for the default variable). The route's path is the
    /// prefix of the admin API, so it may not have parameters.
    static func readAdmin(_ mapping: YAMLMapping, pattern: RoutePattern?, _ reader: inout YAMLNodeReader) -> RouteAction? {
        guard let node = mapping["admin"] else { return nil }
        if let pattern, !pattern.parameterNames.isEmpty {
            reader.report("\(mapping.path("path")): an admin route's path is the API's prefix and takes no parameters", at: mapping["path"])
        }
        guard let section = reader.mapping(node, path: mapping.path("admin"), keys: adminKeys) else { return nil }
        let variable = reader.environmentVariableName(section, "token_env", holding: "token")
        return .admin(AdminRoute(tokenEnvironmentVariable: variable ?? AdminRoute().tokenEnvironmentVariable))
    }

    /// `listeners: [name, …]`: the route answers only on these listeners (others get 404). Each name must
    /// be a configured listener.
    static func readListeners(_ mapping: YAMLMapping, known: [String], _ reader: inout YAMLNodeReader) -> [String]? {
        guard let items = reader.list(mapping, "listeners") else { return nil }
        if items.isEmpty { reader.report("\(mapping.path("listeners")): name at least one listener", at: mapping["listeners"]) }
        var names: [String] = []
        for (index, item) in items.enumerated() {
            let path = "\(mapping.path("listeners"))[\(index)]"
            guard let name = reader.value(item, path: path, YAMLNodeReader.string) else { continue }
            if known.contains(name) {
                names.append(name)
            } else {
                reader.report("\(path): no listener is named '\(YAMLNodeReader.clip(name))' (listeners: \(known.joined(separator: ", ")))", at: item)
            }
        }
        return names
    }

    /// `webhook:` of a channel or upstream route.
    static func readWebhook(_ mapping: YAMLMapping, _ reader: inout YAMLNodeReader) -> WebhookSettings? {
        guard let section = reader.section(mapping, "webhook", keys: webhookKeys) else { return nil }
        reader.require(section, "url")
        let url: String? = reader.value(section, "url") { node in
            YAMLNodeReader.string(node).flatMap { text -> Result<String, ValueProblem> in
                let lower = text.lowercased()
                guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), text.split(separator: "/").count >= 2 else {
                    return .failure(ValueProblem("'\(YAMLNodeReader.clip(text))' is not an http:// or https:// URL"))
                }
                return .success(text)
            }
        }
        let defaults = WebhookSettings(url: "")
        let secret = reader.environmentVariableName(section, "secret_env", holding: "signing secret")
        let timeout = reader.duration(section, "timeout")
        let attempts = reader.int(section, "max_attempts", in: 1...100)
        let backoff = reader.duration(section, "backoff")
        let queue = reader.int(section, "queue", in: 1...1_000_000)
        let caFile = reader.string(section, "ca_file")
        guard let url else { return nil }
        return WebhookSettings(
            url: url, secretEnvironmentVariable: secret, timeout: timeout ?? defaults.timeout, maxAttempts: attempts ?? defaults.maxAttempts,
            backoff: backoff ?? defaults.backoff, queueSize: queue ?? defaults.queueSize, caFile: caFile)
    }
}
