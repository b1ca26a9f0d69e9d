import GatewayAuth
import Testing

@Suite struct CORSPolicyTests {
    typealias Headers = [(name: String, value: String)]

    static func value(_ name: String, in headers: Headers) -> String? {
        headers.first { $0.name == name }?.value
    }

    struct OriginCase: Sendable, CustomTestStringConvertible {
        var pattern: String
        var origin: String
        var matches: Bool
        var testDescription: String { "\(pattern) ~ \(origin): \(matches)" }
    }

    static let originCases: [OriginCase] = [
        OriginCase(pattern: "https://app.example", origin: "https://app.example", matches: true),
        OriginCase(pattern: "https://app.example", origin: "HTTPS://APP.EXAMPLE", matches: true),
        OriginCase(pattern: "https://app.example", origin: "http://app.example", matches: false),
        OriginCase(pattern: "https://app.example", origin: "https://app.example:8443", matches: false),
        OriginCase(pattern: "https://app.example", origin: "https://app.example.evil", matches: false),
        OriginCase(pattern: "https://app.example:8443", origin: "https://app.example:8443", matches: true),
        OriginCase(pattern: "https://*.example.com", origin: "https://app.example.com", matches: true),
        OriginCase(pattern: "https://*.example.com", origin: "https://a-1.example.com", matches: true),
        OriginCase(pattern: "https://*.example.com", origin: "https://example.com", matches: false),
        OriginCase(pattern: "https://*.example.com", origin: "https://.example.com", matches: false),
        OriginCase(pattern: "https://*.example.com", origin: "https://a.b.example.com", matches: false),
        OriginCase(pattern: "https://*.example.com", origin: "https://evilexample.com", matches: false),
        OriginCase(pattern: "https://*.example.com", origin: "https://app.example.com.evil", matches: false),
        OriginCase(pattern: "https://*.example.com", origin: "http://app.example.com", matches: false),
        OriginCase(pattern: "https://*.example.com", origin: "https://app.example.com:8443", matches: false),
        OriginCase(pattern: "https://*.example.com:8443", origin: "https://app.example.com:8443", matches: true),
        OriginCase(pattern: "https://app.example", origin: "null", matches: false),
        OriginCase(pattern: "*", origin: "null", matches: true),
        OriginCase(pattern: "*", origin: "https://anything.example", matches: true),
    ]

    @Test(arguments: originCases)
    func originMatching(_ test: OriginCase) throws {
        #expect(try OriginPattern(test.pattern).matches(test.origin) == test.matches)
    }

    @Test(arguments: [
        ("app.example", "scheme://host"),
        ("https://app.example/", "without a path"),
        ("https://app.example/path", "without a path"),
        ("https://app.*.example", "first label"),
        ("https://*.*.example", "one leading"),
        ("https://*.", "one leading"),
    ])
    func invalidOrigins(_ text: String, _ fragment: String) {
        let error = #expect(throws: CORSConfigurationError.self) { try OriginPattern(text) }
        #expect(error?.description.contains(fragment) == true, "\(String(describing: error))")
    }

    @Test func policyRefusesWildcardWithCredentials() {
        let error = #expect(throws: CORSConfigurationError.self) { try CORSPolicy(origins: ["*"], allowsCredentials: true) }
        #expect(error?.description.contains("credentials") == true)
        #expect(throws: CORSConfigurationError.self) { try CORSPolicy(origins: []) }
        #expect(throws: CORSConfigurationError.self) { try CORSPolicy(origins: ["https://a.example"], maxAge: .seconds(-1)) }
        #expect(throws: CORSConfigurationError.self) { try CORSPolicy(origins: ["https://a.example"], allowedHeaders: ["x y"]) }
        #expect(throws: CORSConfigurationError.self) { try CORSPolicy(origins: ["https://a.example"], allowedMethods: []) }
    }

    @Test func everyArgumentArrivesAndRequiredHeadersAreAlwaysThere() throws {
        let policy = try CORSPolicy(
            origins: ["https://a.example"],
            allowsCredentials: true,
            allowedHeaders: ["X-Trace", "authorization"],
            allowedMethods: ["get", "DELETE"],
            maxAge: .seconds(60)
        )
        #expect(policy.origins.map(\.description) == ["https://a.example"])
        #expect(policy.allowsCredentials)
        #expect(policy.allowedHeaders == ["last-event-id", "authorization", "content-type", "idempotency-key", "x-trace"])
        #expect(policy.allowedMethods == ["GET", "DELETE"])
        #expect(policy.maxAge == .seconds(60))
        let defaults = try CORSPolicy(origins: ["https://a.example"])
        #expect(!defaults.allowsCredentials && defaults.allowedMethods == ["GET", "POST"] && defaults.maxAge == .seconds(600))
    }

    struct PreflightCase: Sendable, CustomTestStringConvertible {
        var name: String
        var credentials: Bool = true
        var origins = ["https://app.example", "https://*.example.com"]
        var request: Headers
        /// nil: the preflight is refused (no allow-origin).
        var allowOrigin: String?
        var testDescription: String { name }
    }

    static let preflightCases: [PreflightCase] = [
        PreflightCase(
            name: "allowed",
            request: [("origin", "https://app.example"), ("access-control-request-method", "GET"),
                      ("access-control-request-headers", "last-event-id, authorization")],
            allowOrigin: "https://app.example"
        ),
        PreflightCase(
            name: "wildcard subdomain",
            request: [("origin", "https://x.example.com"), ("access-control-request-method", "POST"),
                      ("access-control-request-headers", "content-type,idempotency-key")],
            allowOrigin: "https://x.example.com"
        ),
        PreflightCase(
            name: "headers split over fields, safelisted accept",
            request: [("origin", "https://app.example"), ("access-control-request-method", "GET"),
                      ("access-control-request-headers", "Last-Event-ID"), ("access-control-request-headers", "accept")],
            allowOrigin: "https://app.example"
        ),
        PreflightCase(
            name: "origin not allowed",
            request: [("origin", "https://evil.example"), ("access-control-request-method", "GET")],
            allowOrigin: nil
        ),
        PreflightCase(
            name: "method not allowed",
            request: [("origin", "https://app.example"), ("access-control-request-method", "DELETE")],
            allowOrigin: nil
        ),
        PreflightCase(
            name: "header not allowed",
            request: [("origin", "https://app.example"), ("access-control-request-method", "GET"),
                      ("access-control-request-headers", "x-custom")],
            allowOrigin: nil
        ),
        PreflightCase(name: "no origin", request: [("access-control-request-method", "GET")], allowOrigin: nil),
        PreflightCase(
            name: "any origin without credentials answers *",
            credentials: false, origins: ["*"],
            request: [("origin", "https://whoever.example"), ("access-control-request-method", "GET")],
            allowOrigin: "*"
        ),
    ]

    @Test(arguments: preflightCases)
    func preflight(_ test: PreflightCase) throws {
        let policy = try CORSPolicy(origins: test.origins, allowsCredentials: test.credentials, maxAge: .seconds(120))
        let headers = policy.preflightResponseHeaders(for: test.request)
        #expect(Self.value("vary", in: headers) == "origin")
        #expect(Self.value("access-control-allow-origin", in: headers) == test.allowOrigin)
        if test.allowOrigin != nil {
            #expect(Self.value("access-control-allow-methods", in: headers) == "GET, POST")
            #expect(Self.value("access-control-allow-headers", in: headers) == "last-event-id, authorization, content-type, idempotency-key")
            #expect(Self.value("access-control-max-age", in: headers) == "120")
            #expect(Self.value("access-control-allow-credentials", in: headers) == (test.credentials ? "true" : nil))
        } else {
            #expect(headers.count == 1)
        }
    }

    @Test func actualResponse() throws {
        let policy = try CORSPolicy(origins: ["https://app.example"], allowsCredentials: true)
        let allowed = policy.responseHeaders(for: [("origin", "https://app.example")])
        #expect(Self.value("access-control-allow-origin", in: allowed) == "https://app.example")
        #expect(Self.value("access-control-allow-credentials", in: allowed) == "true")
        #expect(Self.value("vary", in: allowed) == "origin")
        let refused = policy.responseHeaders(for: [("origin", "https://evil.example")])
        #expect(refused.map(\.name) == ["vary"])
        let sameOrigin = policy.responseHeaders(for: [])
        #expect(sameOrigin.map(\.name) == ["vary"])
        let open = try CORSPolicy(origins: ["*"]).responseHeaders(for: [("origin", "https://x.example")])
        #expect(Self.value("access-control-allow-origin", in: open) == "*")
        #expect(Self.value("access-control-allow-credentials", in: open) == nil)
    }

    @Test(arguments: [
        ("OPTIONS", [("origin", "https://a"), ("access-control-request-method", "GET")], true),
        ("OPTIONS", [("origin", "https://a")], false),
        ("OPTIONS", [("access-control-request-method", "GET")], false),
        ("GET", [("origin", "https://a"), ("access-control-request-method", "GET")], false),
    ] as [(String, Headers, Bool)])
    func preflightDetection(_ method: String, _ headers: Headers, _ expected: Bool) {
        #expect(CORSPolicy.isPreflight(method: method, headers: headers) == expected)
    }
}
