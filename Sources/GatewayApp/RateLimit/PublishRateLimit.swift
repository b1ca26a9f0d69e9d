import GatewayConfig
import GatewayHTTP
import Synchronization

/// Who a publish is counted against: the JWT's subject, the static publish token (one credential, however
/// many hold it), or, with no credential (an `anonymous` route), the client's address (/64 for IPv6).
enum PublisherKey: Hashable, Sendable {
    case subject(String)
    case staticToken
    case address(ClientAddressKey)
}

/// The per-credential publish budget (`publish.rate_limit`), one token bucket per publisher, shared by
/// every publish route of a runtime snapshot, in bounded memory (`BoundedBucketTable`).
final class PublishRateLimiter: Sendable {
    /// Publishers remembered at once; past it the least recently seen are forgotten (they come back full).
    static let maxPublishers = 65_536
    private let buckets: Mutex<BoundedBucketTable<PublisherKey>>

    init(_ limit: RouteRateLimit) {
        let (seconds, attoseconds) = limit.period.components
        buckets = Mutex(BoundedBucketTable(
            burst: limit.requests, periodNanoseconds: seconds * 1_000_000_000 + attoseconds / 1_000_000_000,
            maxKeys: Self.maxPublishers))
    }

    func take(_ key: PublisherKey, now: Int64) -> TokenBucket.Decision {
        buckets.withLock { $0.take(key, now: now) }
    }
}

/// Answers 429 with `Retry-After` once a publisher has used its budget. Runs after the credentials are
/// checked, so the key is a credential that was accepted (a client cannot mint fresh budgets by sending
/// made-up tokens). Trusted listeners (the local backend) are not counted.
struct PublishRateLimit: Middleware {
    let limiter: PublishRateLimiter
    /// An anonymous route checks no credential, so an `Authorization` header there proves nothing: every
    /// publisher is counted by address (else anyone could spend the static token's budget).
    let anonymous: Bool

    func respond(to request: Request, context: RequestContext, next: any Responder) -> Response {
        if request.connection.trusted { return next.respond(to: request, context: context) }
        let key: PublisherKey
        if anonymous {
            key = .address(ClientAddressKey(request.connection.remoteAddress))
        } else if let identity = context.identity {
            key = .subject(identity.subject)
        } else if request.header("authorization") != nil {
            // PublishCredentials let it through without an identity: the static token.
            key = .staticToken
        } else {
            key = .address(ClientAddressKey(request.connection.remoteAddress))
        }
        switch limiter.take(key, now: RateLimit.now()) {
        case .allowed:
            return next.respond(to: request, context: context)
        case .refused(let wait):
            return RateLimit.refusal(after: wait, "this publisher has sent too many requests")
        }
    }
}
