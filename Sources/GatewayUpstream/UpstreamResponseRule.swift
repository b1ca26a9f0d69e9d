/// How an origin's response head is treated, following EventSource (WHATWG HTML §9.2.3 "announce the
/// connection" / "fail the connection" / "reestablish the connection").
enum UpstreamResponseRule: Equatable {
    case stream
    case retry(UpstreamProblem)
    case final(UpstreamProblem)

    static func classify(status: Int, contentType: String?) -> UpstreamResponseRule {
        switch status {
        case 200:
            // Media type only; parameters such as `charset` are allowed (EventSource ignores them).
            let media = contentType?.split(separator: ";").first.map { String($0.filter { $0 != " " && $0 != "\t" }).lowercased() }
            return media == "text/event-stream" ? .stream : .final(.notAnEventStream(contentType))
        case 204:
            return .final(.status(status))
        // 408 Request Timeout and 429 Too Many Requests invite a retry by their definitions (RFC 9110
        // §15.5.9, RFC 6585 §4); 5xx are the origin's own trouble, usually passing.
        case 408, 429, 500...599:
            return .retry(.status(status))
        default:
            // Other 2xx, 3xx (redirects are not followed: configure the final URL), 4xx: fail for good.
            return .final(.status(status))
        }
    }
}
