@testable import GatewayApp
import GatewayConfig
import GatewayHTTP
import GatewayHub
import GatewayRouting
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

/// The compiled routes of a runtime snapshot: routing decisions, publish parsing, credentials, JSON errors.
@Suite struct RuntimeSnapshotTests {
    /// The compiled routes of a configuration; `handle` answers as the connection handlers would see it.
    struct Handler {
        let snapshot: RuntimeSnapshot
        let loop = EmbeddedEventLoop()

        func handle(_ request: Request) -> Response {
            let response = snapshot.respond(to: request, on: loop)
            guard case .deferred(let future) = response else { return response }
            loop.run()
            return try! future.wait()
        }
    }

    private func handler(token: String? = "t0ken") throws -> (Handler, MemoryEngine) {
        var configuration = try GatewayConfiguration.parse(yaml: GatewayConfiguration.defaultYAML, fileName: "default")
        configuration.publish.maxBodyBytes = 100
        configuration.publish.maxEventsPerRequest = 2
        let hub = MemoryEngine(startEpoch: 1, defaultLimits: HistoryLimits())
        return (Handler(snapshot: RuntimeSnapshot(configuration: configuration, engine: hub, publishToken: token, readiness: Readiness())), hub)
    }

    private func request(_ method: String, _ target: String, body: String = "", headers: [(name: String, value: String)] = [], trusted: Bool = true) -> Request {
        Request(method: HTTPMethod(rawValue: method), target: target, headers: headers, body: ByteBuffer(string: body),
                connection: ConnectionInfo(listener: "test", trusted: trusted))
    }

    private func answer(_ response: Response) -> (status: Int, body: String) {
        switch response {
        case .complete(let status, _, let body): (status, String(buffer: body))
        case .stream: (200, "<stream>")
        case .deferred: (0, "<deferred>")
        }
    }

    @Test func subscribeRouteGivesAStreamPlan() throws {
        let (handler, _) = try handler()
        guard case .stream(let opener) = handler.handle(request("GET", "/events/news?x=1")), let plan = opener as? EventStreamPlan else {
            Issue.record("not a stream")
            return
        }
        #expect(plan.channels == ["news"])
        #expect((3000...4500).contains(plan.retryMilliseconds))  // 3 s plus up to 50 % jitter
        #expect(plan.lastEventID == nil)
        #expect(SessionID.isValid(plan.session))
        #expect(plan.heartbeat == .seconds(15))
        #expect(plan.outboundBudget == 256 * 1024)
    }

    @Test(arguments: [
        ("GET", "/nope", "", 404, "not_found"),
        ("POST", "/events/a", "x", 405, "method_not_allowed"),
        ("GET", "/publish/a", "", 405, "method_not_allowed"),
        ("GET", "/events/a%2Fb", "", 400, "invalid_channel"),
        ("GET", "/events/" + String(repeating: "a", count: 201), "", 400, "invalid_channel"),
        ("POST", "/publish/a", String(repeating: "x", count: 101), 413, "body_too_large"),
        ("POST", "/publish/a", "", 400, "invalid_event"),
    ])
    func refusals(method: String, target: String, body: String, status: Int, code: String) throws {
        let (handler, _) = try handler()
        let (got, text) = answer(handler.handle(request(method, target, body: body)))
        #expect(got == status)
        #expect(text.contains("\"code\":\"\(code)\""), "\(text)")
    }

    @Test(arguments: [
        (#"{"data":"a","retry":-1}"#, "invalid_event"),
        (#"{"data":"a","retry":true}"#, "invalid_event"),
        (#"{"data":"a","event":5}"#, "invalid_event"),
        (#"{"data":null}"#, "invalid_event"),
        (#""just a string""#, "invalid_event"),
        (#"[{"data":"a"},{"data":"b"},{"data":"c"}]"#, "too_many_events"),
        (#"[1]"#, "invalid_event"),
        ("{", "invalid_json"),
    ])
    func badJSONBodies(body: String, code: String) throws {
        let (handler, _) = try handler()
        let (status, text) = answer(handler.handle(request("POST", "/publish/a", body: body, headers: [("content-type", "application/json; charset=utf-8")])))
        #expect((400...413).contains(status))
        #expect(text.contains("\"code\":\"\(code)\""), "\(text)")
    }

    @Test func publishAnswersWithIdsAndSubscriberCount() throws {
        let (handler, hub) = try handler()
        let (status, text) = answer(handler.handle(request("POST", "/publish/a", body: #"[{"data":"x"},{"data":{"k":[1,2]}}]"#, headers: [("content-type", "application/json")])))
        #expect(status == 200)
        #expect(text.hasPrefix(#"{"channel":"a","ids":[""#))
        #expect(text.hasSuffix(#"-2"],"subscribers":0,"duplicate":false}"# + "\n"))
        #expect(hub.channelCount == 1)
    }

    @Test func bearerTokenOnUntrustedListeners() throws {
        let (handler, _) = try handler()
        let publish = { (headers: [(name: String, value: String)]) in
            self.answer(handler.handle(self.request("POST", "/publish/a", body: "x", headers: headers, trusted: false))).status
        }
        #expect(publish([]) == 401)
        #expect(publish([("authorization", "Bearer nope")]) == 403)
        #expect(publish([("authorization", "Basic t0ken")]) == 403)
        #expect(publish([("authorization", "bearer t0ken")]) == 200)
        let (noToken, _) = try self.handler(token: nil)
        #expect(answer(noToken.handle(request("POST", "/publish/a", body: "x", headers: [("authorization", "Bearer t0ken")], trusted: false))).status == 403)
    }

    @Test func queryParsing() {
        let parsed = request("GET", "/x?a=1&b=two+words&c=%E2%9C%93&d&bad=%zz")
        #expect(parsed.path == "/x")
        #expect(parsed.queryValue("a") == "1")
        #expect(parsed.queryValue("b") == "two words")
        #expect(parsed.queryValue("c") == "✓")
        #expect(parsed.queryValue("d") == "")
        #expect(parsed.queryValue("bad") == nil)
    }

    @Test func jsonEscaping() {
        #expect(JSONValue.string("a\"b\\c\n\u{1}").text == #""a\"b\\c\n\u0001""#)
    }
}

@Suite struct SessionIDTests {
    @Test func madeIdsAreValidInlineStringsAndDistinct() {
        let ids = (0..<1_000).map { _ in SessionID.make() }
        #expect(ids.allSatisfy { $0.utf8.count == 15 && SessionID.isValid($0) })
        #expect(Set(ids).count == ids.count)
    }
}
