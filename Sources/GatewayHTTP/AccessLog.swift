import GatewayRouting
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

    /// The target with the value of every `access_token` query parameter replaced by `REDACTED`: a bearer
    /// token in a log is a credential anyone with the logs can use. Names are compared percent-decoded, so
    /// `access%5Ftoken` is hidden too; everything else, the fragment included, is kept byte for byte.
    static func redacted(_ target: String) -> String {
        guard let question = target.firstIndex(of: "?") else { return target }
        let afterQuestion = target[target.index(after: question)...]
        let fragmentStart = afterQuestion.firstIndex(of: "#") ?? afterQuestion.endIndex
        var changed = false
        let pairs = afterQuestion[..<fragmentStart].split(separator: "&", omittingEmptySubsequences: false).map { pair -> Substring in
            guard let equals = pair.firstIndex(of: "="), PercentDecoding.decode(pair[..<equals]) == tokenParameter else { return pair }
            changed = true
            return pair[...equals] + "REDACTED"
        }
        guard changed else { return target }
        return String(target[...question]) + pairs.joined(separator: "&") + afterQuestion[fragmentStart...]
    }

    /// The query parameter EventSource clients put their bearer token in (they cannot set headers).
    static let tokenParameter = "access_token"
}
