import GatewayConfig
import GatewayHTTP
import GatewayHub
import GatewayRouting
import GatewaySSE
import GatewayTLS
import GatewayUpstream
import Logging
import NIOCore
import Synchronization

/// The shared upstream sources, one per distinct expanded URL, each publishing into its own hub channel,
/// and the count of every upstream connection held (shared and per-client) against the global and the
/// per-client-address caps.
///
/// Maintainer note: the registry never tracks individual streams. Subscribers join the hub channel like
/// any internal channel (so replay and resume come from the hub), and a sweep every 250 ms reads each
/// channel's subscriber count: a source idle (no subscribers) for its route's `idle_timeout` is closed,
/// unless `always_on`. A final answer from the origin (204, 4xx but 408/429) ends the channel's streams
/// (each is told with `stream-error`, see `failure(channel:)`) and marks the URL failed for a cool-down of
/// the route's `reconnect.max`; subscribes in that time get 502 with the origin's answer, and the first
/// subscribe after it tries the origin again. A failed entry still counts against `max_connections` and
/// its opener's `max_per_client_ip`: otherwise unique parameter values would churn origin connections.
public final class UpstreamRegistry: Sendable {
    private let hub: any HubEngine
    private let group: any EventLoopGroup
    let logger: Logger
    let settings: UpstreamSettings
    private let state = Mutex(State())

    private struct State {
        var entries: [String: Entry] = [:]
        /// Per-client upstream streams open (they share `maxConnections` with the shared sources).
        var clientSlots = 0
        /// Upstream connections each client address holds: shared sources it started, per-client streams.
        var heldByClient: [String: Int] = [:]
        /// One TLS context per CA file (nil key: the system store), built on first use.
        var tlsContexts: [String: TLSClientContext] = [:]
        var sweeper: RepeatedTask?
        var stopped = false

        var held: Int { entries.count + clientSlots }

        mutating func hold(_ client: String?) {
            if let client { heldByClient[client, default: 0] += 1 }
        }

        mutating func giveBack(_ client: String?) {
            guard let client, let count = heldByClient[client] else { return }
            heldByClient[client] = count > 1 ? count - 1 : nil
        }

        mutating func forget(_ url: String) {
            guard let entry = entries.removeValue(forKey: url) else { return }
            giveBack(entry.openedBy)
        }
    }

    private struct Entry {
        let source: UpstreamSource
        let route: UpstreamRoute
        let channel: String
        /// The client address whose request started the source (it counts against that address's cap).
        let openedBy: String?
        var idleSince: NIODeadline?
        /// Set by a final answer: refuse new subscribers until the deadline.
        var failure: (problem: UpstreamProblem, until: NIODeadline)?
    }

    /// What a subscribe gets: the hub channel to join, or a refusal to send.
    enum Admission {
        case subscribe(channel: String)
        case refuse(HTTPError)
    }

    public init(hub: any HubEngine, group: any EventLoopGroup, settings: UpstreamSettings, logger: Logger) {
        self.hub = hub
        self.group = group
        self.settings = settings
        self.logger = logger
    }

    /// The hub channel of an upstream URL. `/` is not allowed in client channel names, so no client can
    /// subscribe to it through a channel route or publish into it.
    static func channelName(url: String) -> String { "upstream:" + url }

    /// Why `client` may not open one more upstream connection, if it may not: its own cap first (status 429,
    /// the client's doing, sent inside a stream that asks it to come back: `RetryLaterStream`), then the
    /// gateway's (502).
    private func refusal(opening client: String?, _ state: State) -> HTTPError? {
        if let client, state.heldByClient[client, default: 0] >= settings.maxPerClientIP {
            return HTTPError(429, .upstreamClientLimit,
                             "this client address already holds its maximum of \(settings.maxPerClientIP) upstream connections")
        }
        guard state.held < settings.maxConnections else {
            return .upstream(.upstreamLimit, "the gateway already holds its maximum of \(settings.maxConnections) upstream connections")
        }
        return nil
    }

    /// Joins (starting if needed) the shared source for `url`. Call only with a request that nothing else
    /// refuses: the source connects to the origin at once. `client` is the requester's address.
    func acquire(url: String, route: UpstreamRoute, client: String?) -> Admission {
        let now = NIODeadline.now()
        let result: Admission = state.withLock { state in
            guard !state.stopped else { return .refuse(.upstream(.upstreamUnavailable, "the gateway is shutting down")) }
            if var entry = state.entries[url] {
                if let failure = entry.failure {
                    if now < failure.until {
                        return .refuse(.upstream(.upstreamFailed, "the upstream refused the stream: \(failure.problem)", upstreamStatus: failure.problem.status))
                    }
                    state.forget(url)  // cool-down over: try the origin again below
                } else {
                    entry.idleSince = nil
                    state.entries[url] = entry
                    return .subscribe(channel: entry.channel)
                }
            }
            if let refusal = refusal(opening: client, state) { return .refuse(refusal) }
            let configuration: UpstreamSourceConfiguration
            do {
                configuration = try Self.sourceConfiguration(url: url, route: route, contexts: &state.tlsContexts)
            } catch {
                return .refuse(.upstream(.upstreamMisconfigured, "\(error)"))
            }
            let channel = Self.channelName(url: url)
            let loop = group.next()
            let sink = SharedUpstreamSink(registry: self, hub: hub, loop: loop, url: url, channel: channel, logger: logger)
            let source = UpstreamSource(configuration: configuration, eventLoop: loop, sink: sink)
            state.entries[url] = Entry(source: source, route: route, channel: channel, openedBy: client)
            state.hold(client)
            if state.sweeper == nil {
                state.sweeper = group.next().scheduleRepeatedTask(initialDelay: .milliseconds(250), delay: .milliseconds(250)) { [weak self] _ in
                    self?.sweep()
                }
            }
            source.start()
            return .subscribe(channel: channel)
        }
        return result
    }

    /// Opens, at server start, every shared `always_on` upstream whose URL has no parameters: its history
    /// fills before the first subscriber comes.
    public func startAlwaysOn(_ routes: [Route]) {
        for route in routes {
            guard case .upstream(let upstream) = route.action, upstream.mode == .shared, upstream.alwaysOn,
                  upstream.url.parameterNames.isEmpty, let url = upstream.url.expand([:])
            else { continue }
            if case .refuse(let refusal) = acquire(url: url, route: upstream, client: nil) {
                logger.error("cannot open always-on upstream", metadata: ["upstream": "\(url)", "reason": "\(refusal.message)"])
            }
        }
    }

    static func sourceConfiguration(url: String, route: UpstreamRoute, contexts: inout [String: TLSClientContext]) throws -> UpstreamSourceConfiguration {
        let endpoint = try UpstreamEndpoint(url)
        var tls: TLSClientContext?
        if endpoint.secure {
            let key = route.caFile ?? ""
            if let cached = contexts[key] {
                tls = cached
            } else {
                let context = try UpstreamSourceConfiguration.tlsContext(caFile: route.caFile)
                contexts[key] = context
                tls = context
            }
        }
        return UpstreamSourceConfiguration(endpoint: endpoint, tls: tls, connection: route.connection)
    }

    /// A per-client stream: the source configuration with the client's headers, and the connection slot it
    /// holds (given back when the slot is released or freed). A refusal when over a cap.
    func clientConfiguration(url: String, route: UpstreamRoute, headers: [(name: String, value: String)], lastEventID: String?,
                             client: String?) -> Result<(UpstreamSourceConfiguration, UpstreamSlot), HTTPError>
    {
        state.withLock { state in
            guard !state.stopped else { return .failure(.upstream(.upstreamUnavailable, "the gateway is shutting down")) }
            if let refusal = refusal(opening: client, state) { return .failure(refusal) }
            do {
                var configuration = try Self.sourceConfiguration(url: url, route: route, contexts: &state.tlsContexts)
                configuration.headers = headers
                configuration.lastEventID = lastEventID
                state.clientSlots += 1
                state.hold(client)
                return .success((configuration, UpstreamSlot(registry: self, client: client)))
            } catch {
                return .failure(.upstream(.upstreamMisconfigured, "\(error)"))
            }
        }
    }

    /// Called by `UpstreamSlot` only, once per slot.
    func giveBack(clientSlotOf client: String?) {
        state.withLock { state in
            state.clientSlots -= 1
            state.giveBack(client)
        }
    }

    /// The final answer that ended `channel`'s source, while its cool-down lasts: what its streams are told
    /// with `stream-error` as they end. Not published into the channel, whose history would replay it.
    func failure(channel: String) -> UpstreamProblem? {
        guard channel.hasPrefix("upstream:") else { return nil }
        let url = String(channel.dropFirst("upstream:".count))
        return state.withLock { $0.entries[url]?.failure?.problem }
    }

    /// Called from the sink on a final answer.
    func failed(url: String, problem: UpstreamProblem) {
        state.withLock { state in
            guard var entry = state.entries[url] else { return }
            entry.failure = (problem, NIODeadline.now() + TimeAmount(entry.route.connection.reconnectMaximum))
            state.entries[url] = entry
        }
    }

    /// Closes idle sources and forgets failures whose cool-down is over.
    private func sweep() {
        let now = NIODeadline.now()
        let closing: [(String, UpstreamSource)] = state.withLock { state in
            var closing: [(String, UpstreamSource)] = []
            for (url, var entry) in state.entries {
                if let failure = entry.failure {
                    if now >= failure.until { state.forget(url) }
                    continue
                }
                if entry.route.alwaysOn { continue }
                if hub.subscriberCount(channel: entry.channel) > 0 {
                    entry.idleSince = nil
                } else if let since = entry.idleSince {
                    if now - since >= TimeAmount(entry.route.idleTimeout) {
                        state.forget(url)
                        closing.append((url, entry.source))
                        continue
                    }
                } else {
                    entry.idleSince = now
                }
                state.entries[url] = entry
            }
            return closing
        }
        for (url, source) in closing {
            logger.info("closing idle upstream", metadata: ["upstream": "\(url)"])
            source.stop()
        }
    }

    /// Open shared sources (not counting failed ones).
    public var openCount: Int { state.withLock { $0.entries.values.filter { $0.failure == nil }.count } }

    /// Shared sources in their cool-down after a final answer from the origin.
    public var failedCount: Int { state.withLock { $0.entries.values.filter { $0.failure != nil }.count } }

    /// Per-client upstream streams open.
    public var clientStreamCount: Int { state.withLock { $0.clientSlots } }

    /// Stops every source (drain).
    public func stop() {
        let (sources, sweeper) = state.withLock { state in
            defer { state.entries = [:]; state.heldByClient = [:]; state.sweeper = nil; state.stopped = true }
            return (state.entries.values.map(\.source), state.sweeper)
        }
        sweeper?.cancel()
        for source in sources { source.stop() }
    }
}
