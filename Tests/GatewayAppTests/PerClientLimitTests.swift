@testable import GatewayApp
import GatewayConfig
import GatewayHTTP
import GatewayHub
import NIOCore
import NIOEmbedded
import Testing

/// Who a per-client limit counts (IPv4 address, IPv6 /64, IPv4-mapped as IPv4), the bounded bucket table,
/// and the per-publisher publish budget's keys.
@Suite struct PerClientLimitTests {
    private func key(_ address: String) throws -> ClientAddressKey {
        ClientAddressKey(try SocketAddress(ipAddress: address, port: 443))
    }

    @Test func ipv6AddressesShareAKeyPerSlash64() throws {
        #expect(try key("2001:db8:1:2::1") == key("2001:db8:1:2:ffff:ffff:ffff:ffff"))
        #expect(try key("2001:db8:1:2::1") == key("2001:db8:1:2:abcd::9"))
        #expect(try key("2001:db8:1:2::1") != key("2001:db8:1:3::1"), "the next /64 is another client")
        #expect(try key("2001:db8:1:2::1") != key("2001:db9:1:2::1"))
        #expect(try key("2001:db8:1:2::1").description == "2001:db8:1:2::/64")
    }

    @Test func ipv4MappedIPv6IsTheIPv4Address() throws {
        #expect(try key("::ffff:192.0.2.7") == key("192.0.2.7"))
        #expect(try key("::ffff:192.0.2.7").description == "192.0.2.7")
        #expect(try key("::ffff:192.0.2.8") != key("192.0.2.7"))
        // IPv4 is counted per address, not per prefix.
        #expect(try key("192.0.2.7") != key("192.0.2.8"))
        // ::1 and ::ffff:127.0.0.1 are different clients.
        #expect(try key("::1") != key("127.0.0.1"))
        #expect(ClientAddressKey(nil) == .other)
    }

    @Test func theBucketTableStaysBoundedWhileKeysCycle() {
        var table = BoundedBucketTable<UInt32>(burst: 2, perSecond: 1, maxKeys: 1000)
        // An attacker cycling through a million source addresses, one handshake each.
        for address in UInt32(0)..<1_000_000 {
            _ = table.take(address, now: 0)
            #expect(table.count <= 1000)
        }
        #expect(table.count <= 1000)
    }

    @Test func aBusyKeyKeepsItsBucketWhileOtherKeysCycle() {
        var table = BoundedBucketTable<UInt32>(burst: 2, perSecond: 1, maxKeys: 100)
        let attacker: UInt32 = .max
        #expect(table.take(attacker, now: 0) == .allowed)
        #expect(table.take(attacker, now: 0) == .allowed)
        // Many other keys pass through, the attacker keeps trying: its bucket stays empty (no fresh burst).
        for other in UInt32(0)..<10_000 {
            _ = table.take(other, now: 0)
            if other % 10 == 0 { #expect(table.take(attacker, now: 0) != .allowed) }
        }
        // An idle key that was pushed out comes back with a full bucket, what idling would have given it.
        #expect(table.take(0, now: 0) == .allowed)
    }

    @Test func anonymousPublishersAreCountedPerAddressAndPerSlash64() throws {
        let configuration = try GatewayConfiguration.parse(yaml: """
            publish:
              rate_limit: {requests: 1, per: 1h}
            routes:
              - {path: "/p/{channel}", publish: "{channel}", anonymous: true, rate_limit: {requests: 1000, per: 1s}}
            """, fileName: "budget.yaml")
        let snapshot = RuntimeSnapshot(configuration: configuration, engine: MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits()),
                                       publishToken: "secret", readiness: Readiness())
        let loop = EmbeddedEventLoop()
        func publish(from address: String, headers: [(String, String)] = []) throws -> Int {
            let request = Request(method: .POST, target: "/p/news", headers: headers, body: ByteBuffer(string: "hi"),
                                  connection: ConnectionInfo(listener: "public", trusted: false, remoteAddress: try SocketAddress(ipAddress: address, port: 1)))
            var response = snapshot.respond(to: request, on: loop)
            if case .deferred(let future) = response {
                loop.run()
                response = try future.wait()
            }
            return response.status ?? 0
        }
        #expect(try publish(from: "2001:db8:1:2::1") == 200)
        #expect(try publish(from: "2001:db8:1:2::99") == 429, "same /64, same budget")
        #expect(try publish(from: "2001:db8:1:3::1") == 200, "another /64")
        #expect(try publish(from: "192.0.2.1") == 200)
        #expect(try publish(from: "::ffff:192.0.2.1") == 429, "IPv4-mapped is the same IPv4 client")
        // A made-up Authorization header on an anonymous route is still counted by address.
        #expect(try publish(from: "192.0.2.2", headers: [("authorization", "Bearer nonsense")]) == 200)
        #expect(try publish(from: "192.0.2.3", headers: [("authorization", "Bearer nonsense")]) == 200)
    }
}
