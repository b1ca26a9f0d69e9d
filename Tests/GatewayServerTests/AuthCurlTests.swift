import Foundation
import GatewayHTTP
import GatewayTestSupport
import Testing

/// Access control seen by curl, over HTTP/2 and HTTP/1.1 on the TLS listener: 401 (missing, invalid, expired),
/// 403, and streams opened with a header, query or cookie token; `nosniff` and HSTS on every answer.
@Suite(.serialized) struct AuthCurlTests {
    static let protocols: [[String]] = [["--http2"], ["--http1.1"]]

    private func start() async throws -> TestGateway {
        try await TestGateway.start(environment: AuthTestSupport.environment) { configuration in
            AuthTestSupport.configure(&configuration)
            configuration.listeners[0].strictTransportSecurity = StrictTransportSecurity(maxAge: .seconds(86400))
        }
    }

    /// A complete answer's status, lowercased head and body.
    private func fetch(_ gateway: TestGateway, _ flags: [String], _ arguments: [String]) async throws -> (status: Int, head: String, body: String) {
        let result = try await gateway.curl(flags + ["-i"] + arguments)
        let parts = result.body.components(separatedBy: "\r\n\r\n")
        return (result.status, parts.first?.lowercased() ?? "", parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    @Test(arguments: protocols)
    func refusals(_ flags: [String]) async throws {
        let gateway = try await start()
        let url = "\(gateway.tlsURL)/events/news"
        let missing = try await fetch(gateway, flags, [url])
        #expect(missing.status == 401)
        #expect(missing.head.contains("www-authenticate: bearer\r\n") || missing.head.hasSuffix("www-authenticate: bearer"), "\(missing.head)")
        #expect(missing.head.contains("x-content-type-options: nosniff"))
        #expect(missing.head.contains("strict-transport-security: max-age=86400"))
        #expect(missing.body.contains(#""reason":"missing_token""#))

        let other = try await AuthTestSupport.token(subscribe: ["sports"])
        let forbidden = try await fetch(gateway, flags, ["-H", "authorization: Bearer \(other)", url])
        #expect(forbidden.status == 403)
        #expect(forbidden.head.contains(#"www-authenticate: bearer error="insufficient_scope""#), "\(forbidden.head)")
        #expect(forbidden.body.contains(#""code":"forbidden""#))

        let expired = try await AuthTestSupport.token(subscribe: ["news"], ttl: .seconds(60), now: Date().addingTimeInterval(-7200))
        let late = try await fetch(gateway, flags, ["-H", "authorization: Bearer \(expired)", url])
        #expect(late.status == 401)
        #expect(late.head.contains(#"www-authenticate: bearer error="invalid_token""#))
        #expect(late.body.contains(#""reason":"expired""#))

        let garbage = try await fetch(gateway, flags, ["\(url)?access_token=not-a-token"])
        #expect(garbage.status == 401)
        #expect(garbage.body.contains(#""reason":"malformed""#))
        await gateway.stop()
    }

    /// Opens a stream with curl, publishes with a JWT publisher over TLS, and checks the event arrives.
    private func streamAndPublish(_ gateway: TestGateway, _ flags: [String], curlArguments: [String], url: String, channel: String) async throws -> String {
        let subscriber = try ChildProcess("curl", ["-sS", "-N", "-i", "--max-time", "15", "--cacert", gateway.caPath] + flags + curlArguments + [url])
        defer { subscriber.terminate() }
        #expect(await subscriber.waitForOutput(containing: ":ok\n"), "stream did not open: \(subscriber.text) \(subscriber.errorText)")
        #expect(await gateway.waitForSubscribers(channel, count: 1))
        let publisher = try await AuthTestSupport.token("backend", publish: [channel])
        let published = try await gateway.curl(flags + ["-X", "POST", "-H", "authorization: Bearer \(publisher)", "--data-binary", "secret news",
                                                         "\(gateway.tlsURL)/publish/\(channel)"])
        #expect(published.status == 200, "\(published)")
        #expect(await subscriber.waitForOutput(containing: "data: secret news\n\n"), "event not received: \(subscriber.text)")
        return subscriber.text.lowercased()
    }

    @Test(arguments: protocols)
    func headerQueryAndCookieTokensOpenStreams(_ flags: [String]) async throws {
        let gateway = try await start()
        let token = try await AuthTestSupport.token(subscribe: ["news:*"])
        let header = try await streamAndPublish(gateway, flags, curlArguments: ["-H", "authorization: Bearer \(token)"],
                                                url: "\(gateway.tlsURL)/events/news:header", channel: "news:header")
        #expect(header.contains("content-type: text/event-stream"))
        #expect(header.contains("x-content-type-options: nosniff"))
        #expect(header.contains("strict-transport-security: max-age=86400"))
        _ = try await streamAndPublish(gateway, flags, curlArguments: [], url: "\(gateway.tlsURL)/events/news:query?access_token=\(token)",
                                       channel: "news:query")
        _ = try await streamAndPublish(gateway, flags, curlArguments: ["-H", "cookie: theme=dark; ssegate_token=\(token)"],
                                       url: "\(gateway.tlsURL)/events/news:cookie", channel: "news:cookie")
        await gateway.stop()
    }

    @Test func publishersNeedAClaimForTheChannel() async throws {
        let gateway = try await start()
        let reader = try await AuthTestSupport.token(subscribe: ["*"])
        let refused = try await gateway.curl(["-X", "POST", "-H", "authorization: Bearer \(reader)", "--data-binary", "x", "\(gateway.tlsURL)/publish/news"])
        #expect(refused.status == 403)
        let staticToken = try await gateway.curl(["-X", "POST", "-H", "authorization: Bearer static-publish-token", "--data-binary", "x", "\(gateway.tlsURL)/publish/news"])
        #expect(staticToken.status == 200)
        await gateway.stop()
    }

    /// Plaintext listeners send no HSTS (browsers ignore it there), but still `nosniff`.
    @Test func plaintextAnswersCarryNosniffButNoHSTS() async throws {
        let gateway = try await start()
        let answer = try await fetch(gateway, ["--http1.1"], ["\(gateway.plainURL)/healthz"])
        #expect(answer.status == 200)
        #expect(answer.head.contains("x-content-type-options: nosniff"))
        #expect(!answer.head.contains("strict-transport-security"))
        await gateway.stop()
    }
}
