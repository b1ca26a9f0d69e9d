import GatewayConfig
import GatewayHTTP2
import GatewayHub
import Logging
import NIOCore

/// What every connection handler needs, built once per configuration and shared by all loops.
struct ServerServices: Sendable {
    let configuration: GatewayConfiguration
    let requestHandler: RequestHandler
    let hub: Hub
    let loops: LoopContexts
    let logger: Logger
    let http2Settings: HTTP2SessionSettings
    let connectionIDs: ConnectionIDs

    init(configuration: GatewayConfiguration, hub: Hub, loops: LoopContexts, logger: Logger, publishToken: String?, readiness: Readiness,
         upstreams: UpstreamRegistry? = nil) {
        self.configuration = configuration
        self.requestHandler = RequestHandler(configuration: configuration, hub: hub, publishToken: publishToken, readiness: readiness, upstreams: upstreams)
        self.hub = hub
        self.loops = loops
        self.logger = logger
        self.http2Settings = HTTP2SessionSettings(configuration.http2, maxRequestBodyBytes: configuration.publish.maxBodyBytes)
        self.connectionIDs = ConnectionIDs()
    }

    /// A logger carrying the connection's id and peer, for every line about that connection.
    func connectionLogger(id: UInt64, remote: SocketAddress?, listener: String) -> Logger {
        var logger = logger
        logger[metadataKey: "connection"] = "\(id)"
        logger[metadataKey: "listener"] = "\(listener)"
        if let remote { logger[metadataKey: "remote"] = "\(remote.ipAddress ?? "?"):\(remote.port ?? 0)" }
        return logger
    }
}

extension HTTP2SessionSettings {
    init(_ settings: HTTP2Settings, maxRequestBodyBytes: Int) {
        self.init()
        maxConcurrentStreams = settings.maxConcurrentStreams
        initialWindowSize = settings.initialWindowSize
        maxHeaderListSize = settings.maxHeaderListSize
        maxHeaderCount = settings.maxHeaderCount
        resetRateBurst = settings.resetRateBurst
        resetRatePerSecond = settings.resetRatePerSecond
        maxContinuations = settings.maxContinuations
        self.maxRequestBodyBytes = maxRequestBodyBytes
    }
}
