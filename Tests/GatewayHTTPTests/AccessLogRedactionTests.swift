import Testing

@testable import GatewayHTTP

/// Query tokens never reach the access log: every `access_token` value (names compared percent-decoded)
/// becomes `REDACTED`; everything else is kept byte for byte.
@Suite struct AccessLogRedactionTests {
    @Test(arguments: [
        ("/events/news", "/events/news"),
        ("/events/news?x=1", "/events/news?x=1"),
        ("/events/news?access_token=abc.def.ghi", "/events/news?access_token=REDACTED"),
        ("/e?x=1&access_token=abc&y=2", "/e?x=1&access_token=REDACTED&y=2"),
        ("/e?access_token=a&access_token=b", "/e?access_token=REDACTED&access_token=REDACTED"),
        ("/e?access%5Ftoken=abc", "/e?access%5Ftoken=REDACTED"),
        ("/e?access%5ftoken=abc#frag", "/e?access%5ftoken=REDACTED#frag"),
        ("/e?access_token=", "/e?access_token=REDACTED"),
        ("/e?access_tokens=abc", "/e?access_tokens=abc"),
        ("/e?my_access_token=abc", "/e?my_access_token=abc"),
        ("/e?access_token", "/e?access_token"),
        ("/e?a=access_token=abc", "/e?a=access_token=abc"),
        ("/e?x=%zz&access_token=abc", "/e?x=%zz&access_token=REDACTED"),
    ])
    func redaction(_ target: String, _ expected: String) {
        #expect(AccessLog.redacted(target) == expected)
    }
}
