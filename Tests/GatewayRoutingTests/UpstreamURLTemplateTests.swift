import GatewayRouting
import Testing

struct UpstreamURLTemplateTests {
    @Test func fillsPathAndQueryHoles() throws {
        let template = try UpstreamURLTemplate("https://origin/stream/{market}?symbol={symbol}")
        #expect(template.parameterNames == ["market", "symbol"])
        #expect(template.expand(["market": "eu", "symbol": "ACME"]) == "https://origin/stream/eu?symbol=ACME")
        #expect(template.expand(["market": "eu"]) == nil)
    }

    /// A value cannot add parameters or a fragment to the origin's URL (nor segments: see the refusals below).
    @Test func valuesArePercentEncoded() throws {
        let template = try UpstreamURLTemplate("http://origin/s/{a}?q={b}")
        #expect(template.expand(["a": "x?y#z", "b": "x&y=1#z é/"]) == "http://origin/s/x%3Fy%23z?q=x%26y%3D1%23z%20%C3%A9%2F")
        #expect(template.expand(["a": "A-z_0.9~", "b": ""]) == "http://origin/s/A-z_0.9~?q=")
    }

    @Test(arguments: ["origin/stream", "ftp://h/x", "http://{host}/x", "http://h:{port}/x", "http://h/x#{f}", "http://h/{x", "http:///x", "http://h/a b",
                      "http://h/a/../{x}", "http://h/./{x}", "http://h/{x}/%2E%2e"])
    func refused(_ text: String) {
        #expect(throws: RoutePatternError.self) { try UpstreamURLTemplate(text) }
    }
}

/// Issue 11 item 7: values that would make a dot segment in the origin's path, and overlong URLs.
struct UpstreamURLExpansionTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var template: String
        var parameters: [String: String]
        var result: Result<String, UpstreamURLError>
        var testDescription: String { "\(template) \(parameters.sorted { $0.key < $1.key })" }
    }

    static let api = "https://origin/api/streams/{id}/events"

    static let rows: [Row] = [
        Row(template: api, parameters: ["id": "42"], result: .success("https://origin/api/streams/42/events")),
        Row(template: api, parameters: ["id": ".."], result: .failure(.dotSegment(".."))),
        Row(template: api, parameters: ["id": "."], result: .failure(.dotSegment("."))),
        // The router decodes %2e%2e to "..": the same value as above by the time it gets here.
        // Sent as %252e%252e it arrives as the text "%2e%2e", which is a dot segment to whoever decodes again.
        Row(template: api, parameters: ["id": "%2e%2e"], result: .failure(.dotSegment("%252e%252e"))),
        Row(template: api, parameters: ["id": "%2E."], result: .failure(.dotSegment("%252E."))),
        Row(template: api, parameters: ["id": "%252e"], result: .failure(.dotSegment("%25252e"))),
        // Encoded four times: still escapes and dots after four decodings, so refused without decoding on.
        Row(template: api, parameters: ["id": "%2525252e"], result: .failure(.dotSegment("%252525252e"))),
        Row(template: api, parameters: ["id": "%25252525"], result: .failure(.dotSegment("%2525252525"))),
        // Escapes of anything else are data, however deep.
        Row(template: api, parameters: ["id": "%41%42"], result: .success("https://origin/api/streams/%2541%2542/events")),
        Row(template: api, parameters: ["id": "%zz"], result: .success("https://origin/api/streams/%25zz/events")),
        // Dots that are not a whole segment are plain data.
        Row(template: api, parameters: ["id": "..."], result: .success("https://origin/api/streams/.../events")),
        Row(template: api, parameters: ["id": "a..b"], result: .success("https://origin/api/streams/a..b/events")),
        // A separator in a path value, plain or encoded (the router decoded one round already), is refused:
        // origins that decode %2F or treat a backslash as a slash would climb the path.
        Row(template: api, parameters: ["id": "../x"], result: .failure(.separatorInValue("id"))),
        Row(template: api, parameters: ["id": "a/b"], result: .failure(.separatorInValue("id"))),
        Row(template: api, parameters: ["id": "a\\..\\x"], result: .failure(.separatorInValue("id"))),
        Row(template: api, parameters: ["id": "a%2F..%2Fx"], result: .failure(.separatorInValue("id"))),
        Row(template: api, parameters: ["id": "%25252F"], result: .failure(.separatorInValue("id"))),
        Row(template: api, parameters: ["id": "%5c"], result: .failure(.separatorInValue("id"))),
        // In the query a slash is data.
        Row(template: "https://origin/s/{a}?x={x}", parameters: ["a": "1", "x": "a/b"], result: .success("https://origin/s/1?x=a%2Fb")),
        Row(template: "https://origin/s/{a}.json", parameters: ["a": "."], result: .success("https://origin/s/..json")),
        // Two values together can make one.
        Row(template: "https://origin/s/{a}{b}/x", parameters: ["a": ".", "b": "."], result: .failure(.dotSegment(".."))),
        // In the query a dot is data: nothing resolves it.
        Row(template: "https://origin/s?x={x}", parameters: ["x": ".."], result: .success("https://origin/s?x=..")),
        Row(template: api, parameters: [:], result: .failure(.missingParameter("id"))),
        Row(template: api, parameters: ["id": String(repeating: "a", count: 5000)], result: .failure(.tooLong(limit: 2048))),
        // Exactly the limit (34 bytes around the value) passes; one byte more does not.
        Row(template: api, parameters: ["id": String(repeating: "a", count: 2048 - 34)],
            result: .success("https://origin/api/streams/" + String(repeating: "a", count: 2014) + "/events")),
        Row(template: api, parameters: ["id": String(repeating: "a", count: 2048 - 33)], result: .failure(.tooLong(limit: 2048))),
        // Length counts the encoded form: 1,400 × "é" is 2,800 bytes of UTF-8 and 8,400 encoded.
        Row(template: api, parameters: ["id": String(repeating: "é", count: 1400)], result: .failure(.tooLong(limit: 2048))),
    ]

    @Test(arguments: rows)
    func expansion(_ row: Row) throws {
        let template = try UpstreamURLTemplate(row.template)
        let result = Result { () throws(UpstreamURLError) in try template.expanded(row.parameters) }
        #expect(result == row.result)
        // The optional form refuses the same values.
        #expect(template.expand(row.parameters) == (try? row.result.get()))
    }

    @Test func maximumLengthIsTheCallersChoice() throws {
        let template = try UpstreamURLTemplate("http://o/{a}")
        #expect(throws: UpstreamURLError.tooLong(limit: 13)) { try template.expanded(["a": "abcde"], maximumLength: 13) }
        #expect(try template.expanded(["a": "abcd"], maximumLength: 13) == "http://o/abcd")  // 13 bytes
    }

    @Test func errorsCarryAReasonCode() {
        #expect(UpstreamURLError.dotSegment("..").code == "invalid_parameter")
        #expect(UpstreamURLError.separatorInValue("id").code == "invalid_parameter")
        #expect(UpstreamURLError.missingParameter("id").code == "missing_parameter")
        #expect(UpstreamURLError.tooLong(limit: 1).code == "url_too_long")
        #expect(UpstreamURLError.dotSegment("..").description.contains("'..'"))
    }
}
