import GatewayApp
import GatewayConfig
import NIOCore
import Synchronization

/// New TLS connections per second per client (`listeners[].handshakes_per_second_per_ip`): a token bucket
/// per client address (IPv4, IPv6 /64) and listener, checked at accept, before the handshake costs a
/// private-key operation.
///
/// Each listener's buckets sit in a `BoundedBucketTable`: at most `maxClientsPerListener` are kept, so a
/// flood from ever-new source addresses cannot grow memory (it can only forget idle clients, whose buckets
/// would have been full anyway).
final class HandshakeRateLimiter: Sendable {
    static let maxClientsPerListener = 65_536
    private struct Entry {
        /// The rate the table was made for.
        var rate: (perSecond: Int, burst: Int)
        var table: BoundedBucketTable<ClientAddressKey>
    }

    private let tables = Mutex<[String: Entry]>([:])

    /// Whether `client` may start a handshake now on `listener` (always, when the listener sets no rate).
    func admit(_ client: ClientAddressKey, listener: String, limits: ListenerLimits, now: Int64 = Int64(NIODeadline.now().uptimeNanoseconds)) -> Bool {
        guard limits.handshakesPerSecondPerIP > 0 else { return true }
        return tables.withLock { tables in
            let rate = (perSecond: limits.handshakesPerSecondPerIP, burst: limits.handshakeBurstPerIP)
            // A reload that changes the rate starts the listener's buckets afresh (full).
            if let entry = tables[listener], entry.rate == rate {} else {
                tables[listener] = Entry(rate: rate, table: BoundedBucketTable(
                    burst: rate.burst, perSecond: rate.perSecond, maxKeys: Self.maxClientsPerListener))
            }
            return tables[listener]!.table.take(client, now: now) == .allowed
        }
    }

    /// Buckets kept for `listener` (tests: the table stays bounded).
    func clientCount(listener: String) -> Int { tables.withLock { $0[listener]?.table.count ?? 0 } }
}
