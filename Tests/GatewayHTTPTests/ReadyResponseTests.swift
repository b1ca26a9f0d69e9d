import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import GatewayHTTP

/// One implementation of response preparation for both protocols: lengths, HEAD, deferred answers.
@Suite struct ReadyResponseTests {
    private func ready(_ response: Response, method: HTTPMethod = .GET, loop: EmbeddedEventLoop = EmbeddedEventLoop()) -> ReadyResponse? {
        var result: ReadyResponse?
        ReadyResponse.resolve(response, method: method, on: loop) { result = $0 }
        loop.run()
        return result
    }

    @Test func completeAnswersCarryTheirLength() throws {
        let answer = try #require(ready(.json(200, .object([("a", .int(1))]))))
        guard case .complete(let status, let headers, let body) = answer else { Issue.record("not complete"); return }
        #expect(status == 200)
        #expect(headers.contains { $0.name == "content-length" && $0.value == "8" })
        #expect(body.map { String(buffer: $0) } == "{\"a\":1}\n")
    }

    @Test func headKeepsTheLengthAndDropsTheBody() throws {
        let answer = try #require(ready(.json(200, .object([("a", .int(1))])), method: .HEAD))
        guard case .complete(_, let headers, let body) = answer else { Issue.record("not complete"); return }
        #expect(headers.contains { $0.name == "content-length" && $0.value == "8" })
        #expect(body == nil)
    }

    @Test func deferredAnswersArriveWhenTheyComplete() throws {
        let loop = EmbeddedEventLoop()
        let promise = loop.makePromise(of: Response.self)
        var result: ReadyResponse?
        ReadyResponse.resolve(.deferred(promise.futureResult), method: .POST, on: loop) { result = $0 }
        loop.run()
        #expect(result == nil)
        promise.succeed(HTTPError(409, ErrorCode(rawValue: "conflict"), "later").response)
        loop.run()
        #expect(result?.status == 409)
    }

    @Test func failedDeferredAnswersBecomeA500WithTheJSONBody() throws {
        struct Broken: Error {}
        let loop = EmbeddedEventLoop()
        let answer = try #require(ready(.deferred(loop.makeFailedFuture(Broken())), loop: loop))
        guard case .complete(let status, _, let body) = answer else { Issue.record("not complete"); return }
        #expect(status == 500)
        #expect(body.map { String(buffer: $0) }?.contains("\"code\":\"internal_error\"") == true)
    }

    @Test func errorBodiesHaveOneShape() {
        let error = HTTPError(502, ErrorCode(rawValue: "upstream_failed"), "no", headers: [("retry-after", "1")], details: [("upstream_status", .int(404))])
        guard case .complete(let status, let headers, let body) = error.response else { Issue.record("not complete"); return }
        #expect(status == 502)
        #expect(headers.contains { $0 == ("retry-after", "1") })
        #expect(String(buffer: body) == #"{"error":{"status":502,"code":"upstream_failed","message":"no","upstream_status":404}}"# + "\n")
    }

    @Test(arguments: [
        ("/events/a?access_token=secret&x=1", "/events/a?access_token=REDACTED&x=1"),
        ("/events/a?x=1&access_token=secret", "/events/a?x=1&access_token=REDACTED"),
        ("/events/a?x=access_token=1", "/events/a?x=access_token=1"),
        ("/events/a", "/events/a"),
        ("/e?access%5Ftoken=secret#frag", "/e?access%5Ftoken=REDACTED#frag"),
    ])
    func accessLogRedactsQueryTokens(target: String, logged: String) {
        #expect(AccessLog.redacted(target) == logged)
    }
}
