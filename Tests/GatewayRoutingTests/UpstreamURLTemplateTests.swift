import GatewayRouting
import Testing

struct UpstreamURLTemplateTests {
    @Test func fillsPathAndQueryHoles() throws {
        let template = try UpstreamURLTemplate("https://origin/stream/{market}?symbol={symbol}")
        #expect(template.parameterNames == ["market", "symbol"])
        #expect(template.expand(["market": "eu", "symbol": "ACME"]) == "https://origin/stream/eu?symbol=ACME")
        #expect(template.expand(["market": "eu"]) == nil)
    }

    /// A value cannot add segments, parameters or a fragment to the origin's URL.
    @Test func valuesArePercentEncoded() throws {
        let template = try UpstreamURLTemplate("http://origin/s/{a}?q={b}")
        #expect(template.expand(["a": "../admin", "b": "x&y=1#z é"]) == "http://origin/s/..%2Fadmin?q=x%26y%3D1%23z%20%C3%A9")
        #expect(template.expand(["a": "A-z_0.9~", "b": ""]) == "http://origin/s/A-z_0.9~?q=")
    }

    @Test(arguments: ["origin/stream", "ftp://h/x", "http://{host}/x", "http://h:{port}/x", "http://h/x#{f}", "http://h/{x", "http:///x", "http://h/a b"])
    func refused(_ text: String) {
        #expect(throws: RoutePatternError.self) { try UpstreamURLTemplate(text) }
    }
}
