import GatewayAuth
import Testing

@Suite struct TokenSourceTests {
    typealias Headers = [(name: String, value: String)]
    typealias Query = [(name: String, value: String?)]

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var headers: Headers = []
        var query: Query = []
        var cookieName: String? = "ssegate_token"
        var token: String?
        var location: TokenSource.Location?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "nothing", token: nil, location: nil),
        Case(name: "bearer header", headers: [("authorization", "Bearer h.h.h")], token: "h.h.h", location: .authorizationHeader),
        Case(name: "scheme is case-insensitive", headers: [("authorization", "bEaReR h.h.h")], token: "h.h.h", location: .authorizationHeader),
        Case(name: "extra spaces", headers: [("authorization", "Bearer   h.h.h  ")], token: "h.h.h", location: .authorizationHeader),
        Case(name: "basic is not bearer", headers: [("authorization", "Basic dXNlcjpwdw==")], token: nil, location: nil),
        Case(name: "bearer without a token", headers: [("authorization", "Bearer ")], token: nil, location: nil),
        Case(name: "no space after bearer", headers: [("authorization", "Bearerh.h.h")], token: nil, location: nil),
        Case(name: "cookie", headers: [("cookie", "a=1; ssegate_token=c.c.c; b=2")], token: "c.c.c", location: .cookie),
        Case(name: "quoted cookie", headers: [("cookie", "ssegate_token=\"c.c.c\"")], token: "c.c.c", location: .cookie),
        Case(name: "HTTP/2 split cookies", headers: [("cookie", "a=1"), ("cookie", "ssegate_token=c.c.c")], token: "c.c.c", location: .cookie),
        Case(name: "cookie name is exact", headers: [("cookie", "SSEGATE_TOKEN=c.c.c; xssegate_token=d")], token: nil, location: nil),
        Case(name: "cookies off", headers: [("cookie", "ssegate_token=c.c.c")], cookieName: nil, token: nil, location: nil),
        Case(name: "empty cookie falls through", headers: [("cookie", "ssegate_token=")], query: [("access_token", "q.q.q")], token: "q.q.q", location: .queryParameter),
        Case(name: "query", query: [("x", "1"), ("access_token", "q.q.q")], token: "q.q.q", location: .queryParameter),
        Case(name: "query without value", query: [("access_token", nil)], token: nil, location: nil),
        Case(
            name: "header before cookie before query",
            headers: [("cookie", "ssegate_token=c.c.c"), ("authorization", "Bearer h.h.h")], query: [("access_token", "q.q.q")],
            token: "h.h.h", location: .authorizationHeader
        ),
        Case(
            name: "cookie before query",
            headers: [("cookie", "ssegate_token=c.c.c")], query: [("access_token", "q.q.q")],
            token: "c.c.c", location: .cookie
        ),
        Case(
            name: "basic header falls through to cookie",
            headers: [("authorization", "Basic eA=="), ("cookie", "ssegate_token=c.c.c")],
            token: "c.c.c", location: .cookie
        ),
    ]

    @Test(arguments: cases)
    func finding(_ test: Case) {
        let found = TokenSource(cookieName: test.cookieName).find(headers: test.headers, query: test.query)
        #expect(found?.token == test.token)
        #expect(found?.location == test.location)
    }

    @Test func verifierSourceUsesTheConfiguredCookie() async throws {
        let settings = JWTSettings(keys: [Fixtures.keyConfiguration(for: .hs256)], cookieName: "sid")
        let source = try await Fixtures.verifier(settings).tokenSource
        #expect(source.cookieName == "sid")
        #expect(source.find(headers: [("cookie", "sid=c.c.c")], query: [])?.token == "c.c.c")
    }

    @Test func descriptionNamesOnlyTheLocation() throws {
        let found = try #require(TokenSource(cookieName: nil).find(headers: [("authorization", "Bearer secret.token.value")], query: []))
        #expect("\(found)" == "token from authorization")
        #expect(!"\(found)".contains("secret"))
    }
}
