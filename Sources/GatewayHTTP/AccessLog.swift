import Logging
import NIOHTTP1

/// One line per answered request and per closed stream, the same fields for both protocols.
struct AccessLog {
    let logger: Logger
    let enabled: Bool
    let protocolName: String

    /// `route` is the matched route's pattern (nil: no route matched); looked up only when logging is on.
    func request(method: HTTPMethod, target: String, status: Int, bytes: Int, route: @autoclosure () -> String? = nil) {
        guard enabled else { return }
        var metadata: Logger.Metadata = [
            "protocol": "\(protocolName)", "method": "\(method.rawValue)", "path": "\(Self.redacted(target))",
            "status": "\(status)", "bytes": "\(bytes)",
        ]
        if let route = route() { metadata["route"] = "\(route)" }
        logger.info("request", metadata: metadata)
    }

    func streamClosed(_ stream: any ResponseStream, extra: Logger.Metadata = [:]) {
        guard enabled else { return }
        var metadata = stream.accessLogMetadata
        metadata["protocol"] = "\(protocolName)"
        metadata.merge(extra) { _, new in new }
        logger.info("stream closed", metadata: metadata)
    }

    /// The target with the value of every `access_token` query parameter replaced: a bearer token in a
    /// log is a credential anyone with the logs can use.
    static func redacted(_ target: String) -> String {
        guard let mark = target.firstIndex(of: "?"), target[mark...].contains("access_token=") else { return target }
        let query = target[target.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: false).map { pair in
            pair.hasPrefix("access_token=") ? "access_token=REDACTED" : String(pair)
        }
        return String(target[...mark]) + query.joined(separator: "&")
    }
}
