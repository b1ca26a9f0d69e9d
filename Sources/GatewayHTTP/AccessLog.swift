import GatewayRouting
import Logging
import NIOHTTP1

/// One line per answered request and per closed stream, the same fields for both protocols.
struct AccessLog {
    let logger: Logger
    let enabled: Bool
    let protocolName: String

    func request(method: HTTPMethod, target: String, status: Int, bytes: Int) {
        guard enabled else { return }
        logger.info("request", metadata: [
            "protocol": "\(protocolName)", "method": "\(method.rawValue)", "path": "\(Self.redacted(target))",
            "status": "\(status)", "bytes": "\(bytes)",
        ])
    }

    func streamClosed(_ stream: any ResponseStream, extra: Logger.Metadata = [:]) {
        guard enabled else { return }
        var metadata = stream.accessLogMetadata
        metadata["protocol"] = "\(protocolName)"
        metadata.merge(extra) { _, new in new }
        logger.info("stream closed", metadata: metadata)
    }

    /// The target with the value of every `access_token` query parameter replaced: a bearer token in a
    /// log is a credential anyone with the logs can use. Names are compared percent-decoded
    /// (`access%5Ftoken` is the same parameter to the token finder) and a fragment is kept as it is: the
    /// same rule as GatewayAuth's `TokenSource.redacted(target:)`, which a test holds this to.
    static func redacted(_ target: String) -> String {
        guard let mark = target.firstIndex(of: "?"), target[mark...].contains("=") else { return target }
        let afterMark = target[target.index(after: mark)...]
        let fragmentStart = afterMark.firstIndex(of: "#") ?? afterMark.endIndex
        var changed = false
        let pairs = afterMark[..<fragmentStart].split(separator: "&", omittingEmptySubsequences: false).map { pair -> Substring in
            guard let equals = pair.firstIndex(of: "="), PercentDecoding.decode(pair[..<equals], plusIsSpace: false) == "access_token" else {
                return pair
            }
            changed = true
            return pair[...equals] + "REDACTED"
        }
        guard changed else { return target }
        return String(target[...mark]) + pairs.joined(separator: "&") + afterMark[fragmentStart...]
    }
}
