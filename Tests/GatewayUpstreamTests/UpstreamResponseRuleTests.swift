@testable import GatewayUpstream
import Testing

/// EventSource's rules for a response head (WHATWG HTML §9.2.3), one row per case.
struct UpstreamResponseRuleTests {
    @Test(arguments: [
        (200, "text/event-stream", UpstreamResponseRule.stream),
        (200, "Text/Event-Stream; charset=utf-8", .stream),
        (200, "application/json", .final(.notAnEventStream("application/json"))),
        (200, nil, .final(.notAnEventStream(nil))),
        (204, nil, .final(.status(204))),
        (206, "text/event-stream", .final(.status(206))),
        (301, nil, .final(.status(301))),
        (401, nil, .final(.status(401))),
        (404, nil, .final(.status(404))),
        (408, nil, .retry(.status(408))),
        (429, nil, .retry(.status(429))),
        (500, nil, .retry(.status(500))),
        (503, nil, .retry(.status(503))),
    ] as [(Int, String?, UpstreamResponseRule)])
    func classify(status: Int, contentType: String?, expected: UpstreamResponseRule) {
        #expect(UpstreamResponseRule.classify(status: status, contentType: contentType) == expected)
    }
}
