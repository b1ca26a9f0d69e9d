import GatewayConfig
import GatewayHTTP
import NIOCore
import Synchronization

/// Answers 429 with `Retry-After` (RFC 6585 §4, RFC 9110 §10.2.3) once the route's token bucket is empty.
///
/// One bucket per route, behind a lock: a rate-limited route (the demo's publish form) is a light path,
/// and a per-loop bucket would multiply the limit by the number of loops.
final class RateLimit: Middleware {
    private let bucket: Mutex<TokenBucket>

    init(_ limit: RouteRateLimit) {
        let (seconds, attoseconds) = limit.period.components
        let period = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        bucket = Mutex(TokenBucket(capacity: limit.requests, periodNanoseconds: period, now: Self.now()))
    }

    func respond(to request: Request, context: RequestContext, next: any Responder) -> Response {
        switch bucket.withLock({ $0.requestArrived(at: Self.now()) }) {
        case .allowed:
            return next.respond(to: request, context: context)
        case .refused(let wait):
            return Self.refusal(after: wait, "this route takes a limited number of requests")
        }
    }

    /// 429 with `Retry-After` in whole seconds, rounded up (a client that waits exactly this long finds a
    /// token), and the same number in the JSON body.
    static func refusal(after waitNanoseconds: Int64, _ reason: String) -> Response {
        let seconds = max(1, (waitNanoseconds + 999_999_999) / 1_000_000_000)
        return HTTPError(429, .rateLimited, "\(reason); try again in \(seconds) s",
                         headers: [("retry-after", String(seconds))], details: [("retry_after", .int(Int(seconds)))]).response
    }

    static func now() -> Int64 { Int64(NIODeadline.now().uptimeNanoseconds) }
}
