import GatewayAuth
import Testing

@testable import GatewayHTTP

/// The access log's redaction and GatewayAuth's are one rule: whatever the token finder would take as a
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
    func accessLogAndTokenSourceAgree(target: String) {
        #expect(AccessLog.redacted(target) == TokenSource.redacted(target: target))
        #expect(!AccessLog.redacted(target).contains("secret"))
    }
}
