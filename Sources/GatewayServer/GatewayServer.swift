import GatewayApp
import GatewayConfig
import GatewayHTTP
import GatewayHub
import GatewayHubRedis
import GatewayTLS
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The gateway: listeners, per-connection pipelines, the hub engine, and graceful drain. A ServiceLifecycle
/// `Service`: `run()` serves until graceful shutdown (SIGTERM) and then drains.
///
/// Bootstrap only: what a request gets is the application's business (`RuntimeSnapshot`), read through
/// `runtime` on every handshake and request, so replacing the snapshot changes what new work sees.
public final class GatewayServer: Service, Sendable {
    /// The configuration of the current runtime snapshot.
    public var configuration: GatewayConfiguration { runtime.current.configuration }
    let logger: Logger
    let group: any EventLoopGroup
    private let ownsGroup: Bool
    private let engine: any HubEngine
    /// The engine again when it is Redis: it has connections to start and close.
    private let redisEngine: RedisEngine?
    let loops: LoopServiceTable
    let registry = ConnectionRegistry()
    let handshakeRates = HandshakeRateLimiter()
    let refusalLog: RefusalLog
    let readiness = Readiness()
    let upstreams: UpstreamRegistry
    private let connectionIDs = ConnectionIDs()
    /// Where secrets the config names (by variable) are read from.
    private let environment: [String: String]
    /// Kept across reloads: session registry, metrics, reload hook, webhook queues.
    private let operations: OperationsServices
    /// Whether the delivery-path metrics are collected (a route serves metrics); fixed at start, like
    /// the hub statistics that feed them.
    let collectsMetrics: Bool
    /// Re-reads the configuration for `reload()`; nil for a server built from a value (tests).
    /// Where `reload()` reads the configuration when there is no file (tests, the embedded default).
    let configurationSource: (@Sendable () throws -> GatewayConfiguration)?
    /// The current runtime snapshot: routes, TLS context, settings.
    public let runtime: Runtime
    let state = Mutex(State())
    /// The file `reload()` reads; nil when the configuration was built in code (a reload then re-reads
    /// the certificate files of the running configuration).
    let configurationPath: String?
    /// Certificates from the ACME CA, when `tls.acme` is configured.
    let acme: ACMEService?
    /// Reloads run one at a time, in order, off the event loops (they read files and build TLS contexts).
    let reloads = ReloadSerializer()

    struct State {
        var listeners: [(configuration: ListenerConfiguration, channel: any Channel)] = []
        var sweeper: RepeatedTask?
        var stopped = false
        /// Background work started by `start()`: the certificate watcher, the ACME renewal loop.
        var tasks: [Task<Void, Never>] = []
    }

    /// Prepares everything that can fail before binding: certificates (generated in development), TLS
    /// context, hub. `environment` supplies the variables the config names (publish and admin tokens,
    /// webhook secrets, `auth.jwt` secrets); `reload()` reads `configurationPath`, else `configurationSource`.
    /// Token keys are read by `start()`, which can wait for jwt-kit: routes with `auth:` are not served before it.
    public init(
        configuration: GatewayConfiguration,
        logger: Logger,
        group: (any EventLoopGroup)? = nil,
        environment: [String: String] = [:],
        configurationPath: String? = nil,
        configurationSource: (@Sendable () throws -> GatewayConfiguration)? = nil
    ) throws {
        self.logger = logger
        self.configurationPath = configurationPath
        self.configurationSource = configurationSource
        let metricsRegistry = MetricsBootstrap.registry
        collectsMetrics = configuration.collectsMetrics
        if let group {
            self.group = group
            ownsGroup = false
        } else {
            self.group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
            ownsGroup = true
        }
        // The hub statistics feed the metrics (a publish-to-write latency sample per batch), whatever the
        // engine, when a route serves them.
        let statistics = HubStatistics(writeLatencyObserver: configuration.collectsMetrics ? ServerMetrics.writeLatencyObserver() : nil)
        switch configuration.engine.kind {
        case .memory:
            // Epochs start at the wall clock: a restarted in-memory hub never reuses one, so old cursors are recognised.
            engine = MemoryEngine(
                startEpoch: WallClock.milliseconds(),
                defaultLimits: configuration.history.limits,
                historyBudget: configuration.history.maxTotalBytes,
                idempotencyTTL: configuration.publish.idempotencyTTL,
                statistics: statistics
            )
            redisEngine = nil
        case .redis:
            let redis = try EngineFactory.redis(configuration, environment: environment, eventLoop: self.group.next(), statistics: statistics, logger: logger)
            engine = redis
            redisEngine = redis
        }
        loops = LoopServiceTable(group: self.group)
        refusalLog = RefusalLog(logger: logger)
        let token = environment[configuration.publish.tokenEnvironmentVariable].flatMap { $0.isEmpty ? nil : $0 }
        upstreams = UpstreamRegistry(hub: engine, group: self.group, settings: configuration.upstreams, logger: logger)
        let group = self.group
        let acme = configuration.tls.acme.map { ACMEService(configuration: $0, group: group) }
        self.acme = acme
        var tlsContext: TLSServerContext?
        if configuration.listeners.contains(where: \.tls) {
            let outcome = try CertificateProvisioning.prepare(configuration.tls, acme: acme?.servingCertificate, acmeChallenges: acme?.tlsALPNChallenges)
            if let generated = outcome.generatedAuthority {
                logger.notice("\(CertificateProvisioning.trustInstructions(generated))")
            }
            tlsContext = outcome.context
        }
        let scrape = ServerMetrics(engine: engine, connections: registry, upstreams: upstreams)
        let reloadTarget = ReloadTarget()
        operations = OperationsServices(
            metrics: MetricsExposition(registry: metricsRegistry, refresh: scrape.refresh),
            reload: { try await reloadTarget.reload() },
            webhooks: WebhookRegistry(group: self.group, logger: logger),
            environment: environment)
        runtime = Runtime(RuntimeSnapshot(
            configuration: configuration, engine: engine, publishToken: token, readiness: readiness, upstreams: upstreams, tlsContext: tlsContext,
            logger: logger, operations: operations, acmeHTTP01: acme?.http01Challenges))
        self.environment = environment
        reloadTarget.attach(self)
    }

    /// Builds a runtime snapshot for `configuration` (routes, certificates, token keys, settings) and makes
    /// it the current one in one step: new handshakes and requests see it, running streams keep theirs,
    /// except those whose route it no longer has, which end with a `retry:` hint. Listeners, limits and the
    /// engine stay as they were started (`reload()` does those too). Throws, leaving the current snapshot in
    /// place, when the certificates or the token keys cannot be loaded (keys are read again every time).
    public func replaceRuntime(with configuration: GatewayConfiguration) async throws {
        let snapshot = try await makeSnapshot(configuration)
        runtime.replace(with: snapshot)
        _ = OpenStreamSweep.endStreamsNotKept(by: snapshot, on: loops.all)
    }

    /// A snapshot for `configuration`, its certificates loaded (and checked against their keys) and its token
    /// keys read now (jwt-kit's key collection is an actor, hence async).
    func makeSnapshot(_ configuration: GatewayConfiguration) async throws -> RuntimeSnapshot {
        let tlsContext = try configuration.listeners.contains(where: \.tls)
            ? CertificateProvisioning.prepare(configuration.tls, acme: acme?.servingCertificate, acmeChallenges: acme?.tlsALPNChallenges).context
            : nil
        let token = environment[configuration.publish.tokenEnvironmentVariable].flatMap { $0.isEmpty ? nil : $0 }
        let verifier = try await configuration.tokenVerifier(environment: environment)
        if let verifier { logger.notice("token keys loaded", metadata: ["keys": "\(verifier.keyCount)"]) }
        return RuntimeSnapshot(
            configuration: configuration, engine: engine, publishToken: token, readiness: readiness, upstreams: upstreams, tlsContext: tlsContext,
            tokenVerifier: verifier, logger: logger, operations: operations, acmeHTTP01: acme?.http01Challenges)
    }

    /// Binds every listener. Returns the bound address of each, by listener name (port 0 becomes real).
    @discardableResult
    public func start() async throws -> [String: SocketAddress] {
        // Token keys need an async context (jwt-kit's key collection is an actor), so they are read here,
        // before any listener accepts a request.
        if configuration.auth.jwt != nil { try await replaceRuntime(with: configuration) }
        var bound: [String: SocketAddress] = [:]
        for listener in configuration.listeners {
            let channel: any Channel
            do {
                channel = try await bind(listener).get()
            } catch {
                throw BindError(listener: listener, underlying: error)
            }
            state.withLock { $0.listeners.append((listener, channel)) }
            if let address = channel.localAddress { bound[listener.name] = address }
            logListening(listener, channel)
        }
        upstreams.startAlwaysOn(configuration.routes.map(\.route))
        redisEngine?.start()
        let engine = self.engine
        let sweeper = group.next().scheduleRepeatedTask(initialDelay: .seconds(10), delay: .seconds(10)) { _ in engine.sweep(now: .now()) }
        let background = [startCertificateWatcher()] + [startACMERenewal()].compactMap { $0 }
        state.withLock { $0.sweeper = sweeper; $0.tasks += background }
        return bound
    }

    func logListening(_ listener: ListenerConfiguration, _ channel: any Channel) {
        logger.notice("listening", metadata: [
            "listener": "\(listener.name)", "address": "\(channel.localAddress.map { "\($0)" } ?? "?")",
            "tls": "\(listener.tls)", "trusted": "\(listener.trusted)",
        ])
    }

    /// Serves until graceful shutdown is requested, then drains (ServiceLifecycle entry point).
    public func run() async throws {
        try await start()
        let hangups = Task { await self.reloadOnHangup() }
        await withGracefulShutdownHandler {
            while !Task.isCancelled, !self.state.withLock({ $0.stopped }) {
                try? await Task.sleep(for: .milliseconds(200))
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.stopped = true }
        }
        hangups.cancel()
        await drain(deadline: configuration.drain.deadline)
    }

    /// The last step of a drain: the per-loop services stop, and the group if this server made it.
    func shutDownLoops() async {
        loops.stop()
        try? await redisEngine?.shutdown().get()
        if ownsGroup { try? await group.shutdownGracefully() }
    }

    /// Streams subscribed to a channel (tests and the admin API).
    public func subscriberCount(channel: String) -> Int { engine.subscriberCount(channel: channel) }

    /// Shared upstream sources open (not counting failed ones).
    public var upstreamCount: Int { upstreams.openCount }

    /// Open connections.
    public var connectionCount: Int { registry.count }

    /// Binds one listener; its connections read the current snapshot for every handshake and request.
    func bind(_ listener: ListenerConfiguration) -> EventLoopFuture<any Channel> {
        let runtime = self.runtime
        let loops = self.loops
        let connectionIDs = self.connectionIDs
        let registry = self.registry
        let handshakeRates = self.handshakeRates
        let refusalLog = self.refusalLog
        let handshakeTimeout = TimeAmount(configuration.tls.handshakeTimeout)
        let logger = self.logger
        let collectsMetrics = self.collectsMetrics
        let application: ApplicationSource = { runtime.current }
        let metrics = ConnectionMetrics(listener: listener.name)
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // On the listening socket, so that every accepted socket inherits it (Linux copies TCP_NODELAY
            // into the child at accept): no setsockopt per connection.
            .serverChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            // The child channel options are set in the initializer below, synchronously: NIO applies
            // `childChannelOption`s one by one through a chain of futures (about five allocations each; 1.5% of
            // the profile's samples under handshake churn), which buys nothing for options a fresh socket takes
            // at once.
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Admission runs before any handler is added, so a refused connection is closed before
                    // a byte of it is read. Limits come from the current configuration (a reload changes
                    // them for new connections); a listener bound by a reload in progress uses its own.
                    let current = runtime.current.configuration
                    let limits = (current.listeners.first { $0.name == listener.name } ?? listener).limits(under: current.limits)
                    let client = ClientAddressKey(channel.remoteAddress)
                    var refusal = registry.admit(channel, client: client, listener: listener.name, limits: limits, processCap: current.limits.maxConnections)
                    if refusal == nil, listener.tls, !handshakeRates.admit(client, listener: listener.name, limits: limits) {
                        refusal = .handshakeRate
                    }
                    if let refusal {
                        metrics.refused(refusal)
                        refusalLog.refused(refusal, listener: listener.name, client: "\(client)")
                        channel.close(promise: nil)
                        return
                    }
                    try Self.applyChildOptions(channel, trusted: listener.trusted)
                    let id = connectionIDs.make()
                    let loop = loops.services(for: channel.eventLoop)
                    let connection = ConnectionInfo(listener: listener.name, trusted: listener.trusted, remoteAddress: channel.remoteAddress, id: id)
                    let install: (ApplicationProtocol, ChannelHandlerContext) throws -> Void = { selected, context in
                        try selected.configure(context.pipeline.syncOperations, application: application, loop: loop, connection: connection, logger: logger)
                        metrics.opened(selected, channel: context.channel)
                    }
                    let pipeline = channel.pipeline.syncOperations
                    if collectsMetrics {
                        try pipeline.addHandler(OutboundByteCounter(counter: metrics.bytesOut))
                    }
                    // Each handshake takes the current snapshot's certificates.
                    if listener.tls, let tlsContext = runtime.current.tlsContext {
                        try pipeline.addHandler(TLSHandler(context: tlsContext, handshakeTimeout: handshakeTimeout, largeWrites: loop.largeCiphertext))
                        try pipeline.addHandler(TLSHandshakeObserver(metrics: metrics))
                        try pipeline.addHandler(ALPNSelectionHandler(logger: logger, connection: connection, install: install))
                    } else {
                        try pipeline.addHandler(PrefaceSniffingHandler(timeout: handshakeTimeout, install: install))
                    }
                }
            }
            .bind(host: listener.host, port: listener.port)
    }
}

extension GatewayServer {
    /// Every accepted connection's socket options (see `bind`: set here, without futures).
    static func applyChildOptions(_ channel: any Channel, trusted: Bool) throws {
        // TCP_NODELAY comes from the listening socket (see `bind`). (It used to be set here as
        // `.socketOption(.tcp_nodelay)`, which NIO applies at SOL_SOCKET level: SO_DEBUG, not TCP_NODELAY.)
        guard let options = channel.syncOptions else { return }  // only channels of other kinds lack them
        if trusted {
            // Publishes: NIO's pooled, adaptive buffers, up to 64 KiB a read, up to four reads a wake-up.
            try options.setOption(.maxMessagesPerRead, value: 4)
            try options.setOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: maximumRead(trusted: true)))
        } else {
            // Subscribers: no receive buffer kept while idle (see `UnpooledReceiveAllocator`, which needs
            // one read per wake-up).
            try options.setOption(.maxMessagesPerRead, value: 1)
            try options.setOption(.recvAllocator, value: UnpooledReceiveAllocator(readSize: maximumRead(trusted: false)))
        }
    }

    /// The largest read of an accepted connection. On public listeners 2 KiB: their inbound traffic is
    /// requests and control frames, so more reads per burst cost little, and a buffer lives for one read
    /// only (`UnpooledReceiveAllocator`), so a burst of requests (a hundred streams opened at once with
    /// tokens is ~33 KB) leaves nothing behind while the connection idles. (Before, NIO kept the largest
    /// buffer a connection had read into: 20 bytes per stream at 100 streams per connection.)
    /// Trusted listeners carry publishes, whose bodies are read in up to 64 KiB at a time.
    static func maximumRead(trusted: Bool) -> Int {
        trusted ? 65_536 : 2_048
    }
}

/// A listener that could not be bound, named with its address so the operator knows which one.
public struct BindError: Error, CustomStringConvertible {
    public let listener: ListenerConfiguration
    public let underlying: any Error

    public var description: String {
        "cannot listen on \(listener.host):\(listener.port) (listener '\(listener.name)'): \(underlying)"
    }
}
