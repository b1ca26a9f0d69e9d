import GatewayUpstream
import Testing

struct UpstreamEndpointTests {
    @Test func httpsDefaults() throws {
        let endpoint = try UpstreamEndpoint("https://origin.example/stream?symbol=ACME")
        #expect(endpoint.secure)
        #expect(endpoint.host == "origin.example")
        #expect(endpoint.port == 443)
        #expect(endpoint.target == "/stream?symbol=ACME")
        #expect(endpoint.authority == "origin.example")
    }

    @Test func portsPathsAndIPv6() throws {
        let plain = try UpstreamEndpoint("http://127.0.0.1:8081")
        #expect(!plain.secure && plain.port == 8081 && plain.target == "/" && plain.authority == "127.0.0.1:8081")
        let v6 = try UpstreamEndpoint("http://[::1]:9000/s?q=1")
        #expect(v6.host == "::1" && v6.port == 9000 && v6.authority == "[::1]:9000" && v6.target == "/s?q=1")
        let query = try UpstreamEndpoint("http://h?x=1")
        #expect(query.target == "/?x=1")
    }

    @Test(arguments: ["ftp://h/", "https://", "http://user:pw@h/", "http://h:0/", "http://h:99999/", "http://h/a b", "http://h/#x", "http://[::1/"])
    func refused(_ url: String) {
        #expect(throws: UpstreamEndpointError.self) { try UpstreamEndpoint(url) }
    }
}
