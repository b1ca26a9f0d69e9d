import GatewayRouting
internal import Yams

extension RouteConfiguration {
    static let actionKeys = ["channel", "publish", "health", "upstream", "static", "metrics", "admin"]
    /// Options that only mean something for event streams (channel and upstream routes).
    static let streamKeys = ["heartbeat", "retry", "replay_last", "max_channels", "stream_open_event", "max_age"]
    static let keys = ["path"] + actionKeys + streamKeys + ["history", "rate_limit", "anonymous", "listeners", "webhook"] + RouteAccess.keys

    /// `routes:`, required and non-empty. Entries with problems are reported and left out.
    static func readList(_ top: YAMLMapping, listenerNames: [String] = [], jwtConfigured: Bool, _ reader: inout YAMLNodeReader) -> [RouteConfiguration] {
        guard let items = reader.list(top, "routes") else {
            if top["routes"] == nil {
                reader.report("missing required key 'routes' (the gateway serves nothing without routes)", at: top.node)
            }
            return []
        }
        if items.isEmpty {
            reader.report("routes: at least one route is required", at: top["routes"])
        }
        var routes: [RouteConfiguration] = []
        // Earlier patterns' shapes, to find routes that an earlier one hides (first match wins).
        var shapes: [(index: Int, segments: [String])] = []
        for (index, item) in items.enumerated() {
            let path = "routes[\(index)]"
            guard let mapping = reader.mapping(item, path: path, keys: keys) else { continue }
            reader.require(mapping, "path")
            let pattern = reader.value(mapping, "path") { node in
                YAMLNodeReader.string(node).flatMap { text in
                    Result { () throws(RoutePatternError) in try RoutePattern(text) }
                        .mapError { ValueProblem("invalid route path '\(YAMLNodeReader.clip(text))': \($0)") }
                }
            }
            if let pattern {
                let shape = Self.shape(of: pattern)
                if let earlier = shapes.first(where: { Self.covers($0.segments, shape) }) {
                    let how = earlier.segments == shape
                        ? "matches the same requests as routes[\(earlier.index)]"
                        : "is hidden by routes[\(earlier.index)], which matches every request it does "
                            + "(put the more specific route first)"
                    reader.report("\(path).path: '\(pattern)' \(how), so this route would never be used",
                                  at: mapping["path"])
                } else {
                    shapes.append((index, shape))
                }
            }
            let maxChannels = reader.int(mapping, "max_channels", in: 1...1000) ?? 1
            let action = readAction(mapping, pattern: pattern, maxChannels: maxChannels, &reader)
            let heartbeat = reader.duration(mapping, "heartbeat")
            let retry = reader.duration(mapping, "retry")
            let replayLast = reader.int(mapping, "replay_last", in: 1...1_000_000)
            let streamOpenEvent = reader.bool(mapping, "stream_open_event") ?? false
            let maxAge = reader.duration(mapping, "max_age")
            let history = readHistory(mapping, &reader)
            let rateLimit = RouteRateLimit.read(mapping, &reader)
            let anonymous = reader.bool(mapping, "anonymous") ?? false
            if anonymous, let node = mapping.entries["anonymous"]?.key {
                switch action {
                case .publish?, nil: break
                case .channel?, .health?, .upstream?, .staticFiles?, .metrics?, .admin?:
                    reader.report("\(path).anonymous: only publish routes take 'anonymous'", at: node)
                }
                if rateLimit == nil, mapping["rate_limit"] == nil {
                    // Open to anyone means open to a flood: the budget is what keeps it a demo.
                    reader.report("\(path).anonymous: an anonymous publish route needs a rate_limit", at: node)
                }
            }
            let listeners = readListeners(mapping, known: listenerNames, &reader)
            let webhook = readWebhook(mapping, &reader)
            let access = RouteAccess.read(mapping, action: action, jwtConfigured: jwtConfigured, &reader)
            if let action {
                switch action {
                case .channel, .upstream:
                    // EventSource treats a 429 (any non-200) as final and never reconnects (WHATWG HTML
                    // §9.2.3), so a stream route must not answer one: over-limit clients are refused at
                    // accept (listeners[].max_connections_per_ip) or their streams end with a retry hint.
                    if let node = mapping.entries["rate_limit"]?.key {
                        reader.report("\(path).rate_limit: stream routes cannot take a rate_limit (EventSource gives up for good "
                            + "on a 429); bound subscribers with listeners[].max_connections_per_ip instead", at: node)
                    }
                case .publish, .health, .staticFiles, .metrics, .admin:
                    if let node = mapping.entries["webhook"]?.key {
                        reader.report("\(path).webhook: only channel and upstream routes take 'webhook'", at: node)
                    }
                    for key in streamKeys {
                        if let node = mapping.entries[key]?.key {
                            reader.report("\(path).\(key): only channel and upstream routes take '\(key)'", at: node)
                        }
                    }
                }
                switch action {
                case .health, .staticFiles, .metrics, .admin:
                    if let node = mapping.entries["history"]?.key {
                        reader.report("\(path).history: only channel and publish routes take 'history'", at: node)
                    }
                case .channel, .publish, .upstream: break
                }
            }
            guard let pattern, let action else { continue }
            routes.append(RouteConfiguration(
                route: Route(pattern: pattern, action: action),
                heartbeat: heartbeat,
                retry: retry,
                history: history,
                replayLast: replayLast,
                maxChannels: maxChannels,
                streamOpenEvent: streamOpenEvent,
                maxAge: maxAge,
                rateLimit: rateLimit,
                anonymous: anonymous,
                listeners: listeners,
                webhook: webhook,
                auth: access.auth,
                publicChannels: access.publicChannels,
                cors: access.cors
            ))
        }
        return routes
    }

    /// A route's `history:` overrides (count, bytes, ttl), each optional.
    private static func readHistory(_ mapping: YAMLMapping, _ reader: inout YAMLNodeReader) -> HistoryOverride? {
        guard let section = reader.section(mapping, "history", keys: ["count", "bytes", "ttl"]) else { return nil }
        return HistoryOverride(
            count: reader.int(section, "count", in: 0...Int(Int32.max)),
            bytes: reader.size(section, "bytes"),
            ttl: reader.duration(section, "ttl")
        )
    }

    /// Exactly one of the action keys, reported at the route when there are none or several.
    ///
    /// Template parameters come from the path. A channel route with `max_channels` above 1 may also use
    /// one parameter that is not in the path: it is read from the query, once per channel
    /// (`/events?channel=a&channel=b` with `channel: "{channel}"`).
    private static func readAction(_ mapping: YAMLMapping, pattern: RoutePattern?, maxChannels: Int, _ reader: inout YAMLNodeReader)
        -> RouteAction?
    {
        let present = actionKeys.filter { mapping[$0] != nil }
        guard present.count == 1, let key = present.first else {
            let message = present.isEmpty
                ? "\(mapping.path) has no action (expected exactly one of: \(actionKeys.joined(separator: ", ")))"
                : "\(mapping.path) has more than one action (\(present.joined(separator: ", "))); a route takes exactly one"
            reader.report(message, at: mapping.node)
            return nil
        }
        if key == "upstream" { return readUpstream(mapping, pattern: pattern, &reader).map(RouteAction.upstream) }
        if key == "static" { return readStatic(mapping, pattern: pattern, &reader).map(RouteAction.staticFiles) }
        if key == "metrics" { return readMetrics(mapping, &reader) }
        if key == "admin" { return readAdmin(mapping, pattern: pattern, &reader) }
        if key == "health" {
            return reader.choice(mapping, "health", HealthCheck.allCases.map(\.rawValue))
                .flatMap(HealthCheck.init(rawValue:)).map(RouteAction.health)
        }
        let template = reader.value(mapping, key) { node in
            YAMLNodeReader.string(node).flatMap { text in
                Result { () throws(RoutePatternError) in try ParameterTemplate(text) }
                    .mapError { ValueProblem("invalid channel template: \($0)") }
                    .flatMap { template in
                        // Checked here so a typo fails at load, not as a nil expansion on the first request.
                        guard let pattern else { return .success(template) }
                        let unknown = template.parameterNames.filter { !pattern.parameterNames.contains($0) }
                        guard let name = unknown.first else { return .success(template) }
                        if key == "channel", maxChannels > 1, unknown.count == 1 { return .success(template) }
                        let hint = key == "channel" ? " (a query parameter may fill it only with max_channels above 1)" : ""
                        return .failure(ValueProblem("'{\(name)}' is not a parameter of path '\(pattern)'\(hint)"))
                    }
            }
        }
        guard let template else { return nil }
        return key == "channel" ? .channel(template) : .publish(template)
    }

    /// The pattern's segments with parameter names erased (`{}`): equal shapes match the same paths.
    static func shape(of pattern: RoutePattern) -> [String] {
        pattern.description.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("{") ? "{}" : String($0) }
    }

    /// Whether a route of shape `earlier` matches every path a route of shape `later` does: a parameter
    /// (one non-empty segment) covers any segment, a literal only itself.
    static func covers(_ earlier: [String], _ later: [String]) -> Bool {
        earlier.count == later.count && zip(earlier, later).allSatisfy { $0 == "{}" || $0 == $1 }
    }
}
