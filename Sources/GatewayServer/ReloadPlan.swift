import GatewayConfig

/// The configuration a reload applies, worked out from the running one and the one just read: what
/// changed, and which changed settings keep their old value until a restart.
///
/// Some settings are fixed when the process starts: the engine's history budget and defaults and its
/// idempotency memory, the upstream connection cap, the logging backend, ACME (its renewal loop and
/// challenge stores), and the handshake timeout of listeners already bound. The plan keeps their old
/// values, so the running process and its configuration never disagree.
///
/// Connection limits apply on reload, to new connections (open ones stay): `limits.*` and each listener's
/// caps and handshake rate are read from the current configuration at every accept, so a listener whose
/// only change is its limits is not rebound.
struct ReloadPlan {
    /// What the new snapshot is built from: the new configuration with the restart-only settings kept.
    let effective: GatewayConfiguration
    let changes: [String]
    let needsRestart: [String]
    let addedListeners: [ListenerConfiguration]
    let removedListeners: [ListenerConfiguration]

    init(running old: GatewayConfiguration, loaded new: GatewayConfiguration) {
        var effective = new
        var needsRestart: [String] = []
        func keep<T: Equatable>(_ name: String, _ keyPath: WritableKeyPath<GatewayConfiguration, T>) {
            guard old[keyPath: keyPath] != new[keyPath: keyPath] else { return }
            effective[keyPath: keyPath] = old[keyPath: keyPath]
            needsRestart.append(name)
        }
        keep("history (engine defaults)", \.history)
        keep("publish.idempotency_ttl", \.publish.idempotencyTTL)
        keep("upstreams.max_connections", \.upstreams.maxConnections)
        keep("upstreams.max_per_client_ip", \.upstreams.maxPerClientIP)
        keep("upstreams.max_url_length", \.upstreams.maxURLLength)
        keep("logging.level", \.logging.level)
        keep("logging.format", \.logging.format)
        keep("tls.acme", \.tls.acme)
        keep("tls.handshake_timeout", \.tls.handshakeTimeout)
        // The routes themselves apply; what waits for a restart is collecting (or no longer collecting)
        // the delivery-path metrics, which the hub and listeners decided at start.
        if old.collectsMetrics != new.collectsMetrics {
            needsRestart.append("metrics collection (a metrics route added or removed)")
        }

        let oldListeners = Dictionary(old.listeners.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newListeners = Dictionary(effective.listeners.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        // A listener whose address or kind changed is replaced: closed, and bound again as new. Its limits
        // are not part of that: they are read at each accept.
        addedListeners = effective.listeners.filter { oldListeners[$0.name]?.binding != $0.binding }
        removedListeners = old.listeners.filter { newListeners[$0.name]?.binding != $0.binding }

        var changes: [String] = []
        if !addedListeners.isEmpty || !removedListeners.isEmpty {
            changes.append("listeners +\(addedListeners.count) -\(removedListeners.count)")
        }
        let oldRoutes = Set(old.routes.map(\.route))
        let newRoutes = Set(effective.routes.map(\.route))
        let routesAdded = newRoutes.subtracting(oldRoutes).count
        let routesRemoved = oldRoutes.subtracting(newRoutes).count
        if routesAdded + routesRemoved > 0 {
            changes.append("routes +\(routesAdded) -\(routesRemoved)")
        } else if old.routes != effective.routes {
            changes.append("route options")
        }
        func note<T: Equatable>(_ name: String, _ keyPath: KeyPath<GatewayConfiguration, T>) {
            if old[keyPath: keyPath] != effective[keyPath: keyPath] { changes.append(name) }
        }
        note("tls.certificates", \.tls.certificates)
        note("tls.session_tickets", \.tls.sessionTickets)
        note("http2", \.http2)
        note("http1", \.http1)
        note("streams", \.streams)
        note("publish", \.publish)
        note("limits.max_request_head_bytes", \.limits.maxRequestHeadBytes)
        note("limits.max_connections", \.limits.maxConnections)
        note("limits.max_connections_per_ip", \.limits.maxConnectionsPerIP)
        for listener in effective.listeners {
            if let before = oldListeners[listener.name], before.binding == listener.binding, before.limitSettings != listener.limitSettings {
                changes.append("listeners[\(listener.name)] limits")
            }
        }
        note("logging.access_log", \.logging.accessLog)
        note("drain", \.drain)
        self.effective = effective
        self.changes = changes
        self.needsRestart = needsRestart
    }
}
