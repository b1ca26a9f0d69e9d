import Logging

extension ConnectionInfo {
    /// `base` with this connection's id, listener and peer as metadata, for every line about the connection.
    public func logger(from base: Logger) -> Logger {
        var logger = base
        logger[metadataKey: "connection"] = "\(id)"
        logger[metadataKey: "listener"] = "\(listener)"
        if let remoteAddress { logger[metadataKey: "remote"] = "\(remoteAddress.ipAddress ?? "?"):\(remoteAddress.port ?? 0)" }
        return logger
    }
}
