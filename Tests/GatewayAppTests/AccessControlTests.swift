import Foundation
@testable import GatewayApp
import GatewayAuth
import GatewayConfig
import GatewayHTTP
import GatewayHub
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

/// The compiled middleware chain of routes with `auth:` and `cors:`: preflights first, 401 and 403 with their
/// challenges, every channel of a stream checked, sessions bound to tokens, publishers by claim or static token.
@Suite struct AccessControlTests {
    static let secret = String(repeating: "0123456789abcdef", count: 2)
    static let yaml = """
        auth:
          jwt:
            keys: [{alg: HS256, secret_env: JWT_SECRET}]
            cookie: ssegate_token
            expiry_warning: 30s
        routes:
          - path: /events/{channel}
            channel: "{channel}"
            auth: jwt
            cors: {origins: ["https://app.example"], credentials: true}
          - path: /multi
            channel: "{channel}"
            max_channels: 4
            auth: jwt
          - path: /open/{channel}
            channel: "{channel}"
            auth: optional
            public_channels: ["news", "status:*"]
          - path: /upstream/{feed}
            upstream: "http://127.0.0.1:9/{feed}"
            auth: jwt
          - path: /publish/{channel}
            publish: "{channel}"
            auth: jwt
          - path: /plain/{channel}
            channel: "{channel}"
        """

    struct Fixture {
        let snapshot: RuntimeSnapshot
        let minter: TokenMinter
        let loop = EmbeddedEventLoop()

        func handle(_ method: String, _ target: String, headers: [(name: String, value: String)] = [], body: String = "", trusted: Bool = false) -> Response {
            let request = Request(method: HTTPMethod(rawValue: method), target: target, headers: headers, body: ByteBuffer(string: body),
                                  connection: ConnectionInfo(listener: "test", trusted: trusted))
            let response = snapshot.respond(to: request, on: loop)
            guard case .deferred(let future) = response else { return response }
            loop.run()
            return try! future.wait()
        }

        func token(_ subject: String = "alice", subscribe: [String] = [], publish: [String] = [], session: String? = nil, ttl: Duration = .seconds(600),
                   now: Date = Date()) -> String {
            try! minter.mint(TokenGrant(subject: subject, timeToLive: ttl, subscribe: subscribe, publish: publish, session: session), now: now)
        }
    }

    static func fixture(publishToken: String? = "static-t0ken") async throws -> Fixture {
        let configuration = try GatewayConfiguration.parse(yaml: yaml, fileName: "t.yaml")
        let verifier = try await configuration.tokenVerifier(environment: ["JWT_SECRET": secret])
        let snapshot = RuntimeSnapshot(configuration: configuration, engine: MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits()),
                                       publishToken: publishToken, readiness: Readiness(), tokenVerifier: verifier)
        return Fixture(snapshot: snapshot, minter: try await TokenMinter(algorithm: .hs256, secret: secret))
    }

    /// Status, headers and body of an answer; `plan` for an unwrapped stream (routes without cors), `body`
    /// "<stream>" for any stream.
    static func parts(_ response: Response) -> (status: Int, headers: [(name: String, value: String)], body: String, plan: EventStreamPlan?) {
        switch response {
        case .complete(let status, let headers, let body): (status, headers, String(buffer: body), nil)
        case .stream(let opener): (200, opener.responseHeaders, "<stream>", opener as? EventStreamPlan)
        case .deferred: (0, [], "", nil)
        }
    }

    static func header(_ name: String, _ headers: [(name: String, value: String)]) -> String? {
        headers.first { $0.name == name }?.value
    }

    @Test func preflightIsAnsweredBeforeTheMethodCheckAndAuthentication() async throws {
        let fixture = try await Self.fixture()
        let preflight = [("origin", "https://app.example"), ("access-control-request-method", "GET"),
                         ("access-control-request-headers", "authorization, last-event-id")]
        let allowed = Self.parts(fixture.handle("OPTIONS", "/events/news", headers: preflight))
        #expect(allowed.status == 204)
        #expect(Self.header("access-control-allow-origin", allowed.headers) == "https://app.example")
        #expect(Self.header("access-control-allow-credentials", allowed.headers) == "true")
        #expect(Self.header("vary", allowed.headers) == "origin")

        let refused = Self.parts(fixture.handle("OPTIONS", "/events/news", headers: [("origin", "https://evil.example"), ("access-control-request-method", "GET")]))
        #expect(refused.status == 204)
        #expect(Self.header("access-control-allow-origin", refused.headers) == nil)
        #expect(Self.header("vary", refused.headers) == "origin")
        // Not a preflight (no access-control-request-method): the method check still answers.
        #expect(Self.parts(fixture.handle("OPTIONS", "/events/news", headers: [("origin", "https://app.example")])).status == 405)
        // A route without cors has no preflight answer.
        #expect(Self.parts(fixture.handle("OPTIONS", "/multi", headers: preflight)).status == 405)
    }

    @Test func refusalsAndStreamsCarryTheCORSHeaders() async throws {
        let fixture = try await Self.fixture()
        let origin = ("origin", "https://app.example")
        let refused = Self.parts(fixture.handle("GET", "/events/news", headers: [origin]))
        #expect(refused.status == 401)
        #expect(Self.header("access-control-allow-origin", refused.headers) == "https://app.example")
        let token = fixture.token(subscribe: ["news"])
        let stream = Self.parts(fixture.handle("GET", "/events/news", headers: [origin, ("authorization", "Bearer \(token)")]))
        #expect(stream.body == "<stream>")
        #expect(Self.header("access-control-allow-origin", stream.headers) == "https://app.example")
        #expect(Self.header("vary", stream.headers) == "origin")
        let stranger = Self.parts(fixture.handle("GET", "/events/news", headers: [("origin", "https://evil.example"), ("authorization", "Bearer \(token)")]))
        #expect(stranger.body == "<stream>")
        #expect(Self.header("access-control-allow-origin", stranger.headers) == nil)
    }

    @Test func missingInvalidAndExpiredTokensGet401WithAChallenge() async throws {
        let fixture = try await Self.fixture()
        let missing = Self.parts(fixture.handle("GET", "/events/news"))
        #expect(missing.status == 401)
        #expect(Self.header("www-authenticate", missing.headers) == "Bearer")
        #expect(missing.body.contains(#""code":"unauthorized""#) && missing.body.contains(#""reason":"missing_token""#))

        let good = fixture.token(subscribe: ["news"])
        let tampered = String(good.dropLast(2)) + (good.hasSuffix("AA") ? "BB" : "AA")
        let bad = Self.parts(fixture.handle("GET", "/events/news", headers: [("authorization", "Bearer \(tampered)")]))
        #expect(bad.status == 401)
        #expect(Self.header("www-authenticate", bad.headers)?.hasPrefix(#"Bearer error="invalid_token""#) == true)
        #expect(bad.body.contains(#""reason":"bad_signature""#))

        let expired = fixture.token(subscribe: ["news"], ttl: .seconds(60), now: Date().addingTimeInterval(-3600))
        let late = Self.parts(fixture.handle("GET", "/events/news", headers: [("authorization", "Bearer \(expired)")]))
        #expect(late.status == 401)
        #expect(late.body.contains(#""reason":"expired""#))
        #expect(!late.body.contains(expired))
        // Expired 10 s ago is within the 30 s leeway, but a stream would end at once: refused as expired.
        let justExpired = fixture.token(subscribe: ["news"], ttl: .seconds(60), now: Date().addingTimeInterval(-70))
        let lately = Self.parts(fixture.handle("GET", "/events/news", headers: [("authorization", "Bearer \(justExpired)")]))
        #expect(lately.status == 401)
        #expect(lately.body.contains(#""reason":"expired""#))
    }

    @Test func tokensFromCookieAndQueryWork() async throws {
        let fixture = try await Self.fixture()
        let token = fixture.token(subscribe: ["news"])
        #expect(Self.parts(fixture.handle("GET", "/multi?channel=news", headers: [("cookie", "a=b; ssegate_token=\(token)")])).plan != nil)
        #expect(Self.parts(fixture.handle("GET", "/multi?channel=news&access_token=\(token)")).plan != nil)
    }

    @Test func everyChannelMustBeAllowed() async throws {
        let fixture = try await Self.fixture()
        let token = fixture.token("bob", subscribe: ["news", "user:{sub}"])
        let bearer = [("authorization", "Bearer \(token)")]
        let both = Self.parts(fixture.handle("GET", "/multi?channel=news&channel=user:bob", headers: bearer))
        #expect(both.plan?.channels == ["news", "user:bob"])
        let oneDenied = Self.parts(fixture.handle("GET", "/multi?channel=news&channel=user:alice", headers: bearer))
        #expect(oneDenied.status == 403)
        #expect(Self.header("www-authenticate", oneDenied.headers)?.hasPrefix(#"Bearer error="insufficient_scope""#) == true)
        #expect(oneDenied.body.contains(#""channel":"user:alice""#))
        #expect(Self.parts(fixture.handle("GET", "/events/sports", headers: bearer)).status == 403)
    }

    @Test func optionalRoutesLetAnonymousReadersOnlyPublicChannels() async throws {
        let fixture = try await Self.fixture()
        #expect(Self.parts(fixture.handle("GET", "/open/news")).plan?.authExpiry == nil)
        #expect(Self.parts(fixture.handle("GET", "/open/status:eu")).plan != nil)
        #expect(Self.parts(fixture.handle("GET", "/open/private")).status == 401)
        let token = fixture.token(subscribe: ["private"])
        let withToken = Self.parts(fixture.handle("GET", "/open/private", headers: [("authorization", "Bearer \(token)")]))
        #expect(withToken.plan?.authExpiry != nil)
        // A broken token is refused even where anonymous reading is allowed.
        #expect(Self.parts(fixture.handle("GET", "/open/news", headers: [("authorization", "Bearer x.y.z")])).status == 401)
    }

    @Test func streamsKnowWhenTheirTokenExpires() async throws {
        let fixture = try await Self.fixture()
        let now = Date()
        let token = fixture.token(subscribe: ["news"], ttl: .seconds(600), now: now)
        let plan = try #require(Self.parts(fixture.handle("GET", "/multi?channel=news", headers: [("authorization", "Bearer \(token)")])).plan)
        let expiry = try #require(plan.authExpiry)
        #expect(abs(expiry.expiresAt.timeIntervalSince(now) - 600) < 1)
        // expiry_warning 30 s, plus up to 25 % jitter.
        #expect((TimeAmount.seconds(30)...TimeAmount.milliseconds(37_500)).contains(expiry.warning))
        #expect(String(buffer: expiry.warningEvent).hasPrefix("event: stream-auth-expiring\ndata: {\"expires_at\":\""))
    }

    @Test func sessionsFollowTokens() async throws {
        let fixture = try await Self.fixture()
        let granted = fixture.token(subscribe: ["news"], session: "s-alice")
        let plain = fixture.token(subscribe: ["news"])
        func session(_ target: String, _ token: String) -> (Int, String?) {
            let parts = Self.parts(fixture.handle("GET", target, headers: [("authorization", "Bearer \(token)")]))
            return (parts.status, parts.plan?.session)
        }
        #expect(session("/multi?channel=news&session=s-alice", granted) == (200, "s-alice"))
        #expect(session("/multi?channel=news", granted) == (200, "s-alice"))
        #expect(session("/multi?channel=news&session=s-bob", granted).0 == 403)
        #expect(session("/multi?channel=news&session=s-alice", plain).0 == 403)
        let issued = session("/multi?channel=news", plain)
        #expect(issued.0 == 200 && issued.1 != nil && issued.1 != "s-alice")
        // Anonymous readers of an optional route cannot claim a session either; routes without auth keep today's rule.
        #expect(Self.parts(fixture.handle("GET", "/open/news?session=s-alice")).status == 403)
        #expect(Self.parts(fixture.handle("GET", "/plain/news?session=s-alice")).plan?.session == "s-alice")
    }

    @Test func upstreamRoutesAreCheckedBeforeAnyUpstreamStarts() async throws {
        let fixture = try await Self.fixture()
        let denied = fixture.token(subscribe: ["news"])
        #expect(Self.parts(fixture.handle("GET", "/upstream/a", headers: [("authorization", "Bearer \(denied)")])).status == 403)
        // Allowed: the request reaches the upstream stage, which this snapshot has not enabled (502).
        let allowed = fixture.token(subscribe: ["upstream:http://127.0.0.1:9/*"])
        #expect(Self.parts(fixture.handle("GET", "/upstream/a", headers: [("authorization", "Bearer \(allowed)")])).status == 502)
    }

    @Test func publishersNeedPublishClaimsOrTheStaticToken() async throws {
        let fixture = try await Self.fixture()
        let publisher = fixture.token("backend", publish: ["news", "user:*"])
        func publish(_ channel: String, _ headers: [(name: String, value: String)], trusted: Bool = false) -> Int {
            Self.parts(fixture.handle("POST", "/publish/\(channel)", headers: headers, body: "x", trusted: trusted)).status
        }
        #expect(publish("news", [("authorization", "Bearer \(publisher)")]) == 200)
        #expect(publish("user:7", [("authorization", "Bearer \(publisher)")]) == 200)
        #expect(publish("sports", [("authorization", "Bearer \(publisher)")]) == 403)
        let reader = fixture.token("alice", subscribe: ["news"])
        #expect(publish("news", [("authorization", "Bearer \(reader)")]) == 403)
        #expect(publish("sports", [("authorization", "Bearer static-t0ken")]) == 200)
        #expect(publish("sports", [], trusted: true) == 200)
        #expect(publish("news", []) == 401)
        #expect(publish("news", [("authorization", "Bearer not.a.jwt")]) == 401)
        // Without a static token, JWT publishers still get in.
        let noStatic = try await Self.fixture(publishToken: nil)
        #expect(Self.parts(noStatic.handle("POST", "/publish/news", headers: [("authorization", "Bearer \(publisher)")], body: "x")).status == 200)
    }

    @Test func routesNeedingTokensAnswer503UntilKeysAreLoaded() throws {
        let configuration = try GatewayConfiguration.parse(yaml: Self.yaml, fileName: "t.yaml")
        let snapshot = RuntimeSnapshot(configuration: configuration, engine: MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits()),
                                       publishToken: nil, readiness: Readiness())
        let request = Request(method: .GET, target: "/events/news", headers: [], body: ByteBuffer(), connection: ConnectionInfo(listener: "t", trusted: false))
        #expect(snapshot.respond(to: request, on: EmbeddedEventLoop()).status == 503)
    }
}
