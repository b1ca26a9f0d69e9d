import GatewayAuth
import NIOCore
import Testing

@testable import GatewayHTTP

/// The access log's redaction and GatewayAuth's token finder agree: whatever the finder would take as a
/// query token never reaches a log line.
@Suite struct RedactionAgreementTests {
    @Test(arguments: [
        "/events/a?access_token=secret&x=1",
        "/events/a?x=1&access_token=secret",
        "/events/a?access_token=one&access_token=two",
        "/events/a?access%5Ftoken=secret",
        "/events/a?access%5ftoken=secret&x=%zz",
        "/events/a?x=access_token=1",
        "/events/a?access_token=secret#frag",
        "/events/a?access_token",
        "/events/a?access_tokens=1",
        "/events/a?=access_token",
        "/events/a",
        "/events/a?",
    ])
    func whatTheFinderTakesIsRedacted(target: String) {
        let request = Request(method: .GET, target: target, headers: [], body: ByteBuffer(), connection: ConnectionInfo(listener: "t", trusted: false))
        let logged = AccessLog.redacted(target)
        if let found = TokenSource(cookieName: nil).find(headers: [], query: request.query), !found.token.isEmpty {
            #expect(!logged.contains(found.token), "\(target) logged as \(logged)")
        }
        #expect(!logged.contains("secret"))
    }
}
