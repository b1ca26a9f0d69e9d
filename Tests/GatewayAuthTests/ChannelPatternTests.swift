import GatewayAuth
import Testing

@Suite struct ChannelPatternTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var pattern: String
        var channel: String
        var subject: String = "alice"
        var allowed: Bool
        var testDescription: String { "\(pattern) ~ \(channel) (sub \(subject)): \(allowed)" }
    }

    static let cases: [Case] = [
        Case(pattern: "news", channel: "news", allowed: true),
        Case(pattern: "news", channel: "news2", allowed: false),
        Case(pattern: "news", channel: "new", allowed: false),
        Case(pattern: "news", channel: "NEWS", allowed: false),
        Case(pattern: "*", channel: "anything:at:all", allowed: true),
        Case(pattern: "news:*", channel: "news:today", allowed: true),
        Case(pattern: "news:*", channel: "news:", allowed: true),
        Case(pattern: "news:*", channel: "news:eu:today", allowed: true),
        Case(pattern: "news:*", channel: "sport:today", allowed: false),
        Case(pattern: "news:*", channel: "news", allowed: false),
        Case(pattern: "*:today", channel: "news:today", allowed: true),
        Case(pattern: "*:today", channel: "news:tomorrow", allowed: false),
        Case(pattern: "a*b*c", channel: "aXXbYYc", allowed: true),
        Case(pattern: "a*b*c", channel: "abc", allowed: true),
        Case(pattern: "a*b*c", channel: "acb", allowed: false),
        Case(pattern: "a**b", channel: "aXb", allowed: true),
        Case(pattern: "*a*a*a*a*b", channel: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", allowed: false),
        Case(pattern: "user:{sub}", channel: "user:alice", allowed: true),
        Case(pattern: "user:{sub}", channel: "user:bob", allowed: false),
        Case(pattern: "user:{sub}", channel: "user:alice2", allowed: false),
        Case(pattern: "user:{sub}:*", channel: "user:alice:inbox", allowed: true),
        Case(pattern: "user:{sub}:*", channel: "user:bob:inbox", allowed: false),
        Case(pattern: "{sub}", channel: "alice", allowed: true),
        // A subject with pattern characters is literal text: it cannot widen the pattern.
        Case(pattern: "user:{sub}", channel: "user:bob", subject: "*", allowed: false),
        Case(pattern: "user:{sub}", channel: "user:*", subject: "*", allowed: true),
        Case(pattern: "user:{sub}", channel: "user:bob", subject: "b*", allowed: false),
        Case(pattern: "user:{sub}", channel: "user:x", subject: "{sub}", allowed: false),
        Case(pattern: "user:{sub}", channel: "user:", subject: "", allowed: true),
        Case(pattern: "café:*", channel: "café:menu", allowed: true),
    ]

    @Test(arguments: cases)
    func matching(_ test: Case) throws {
        let pattern = try ChannelPattern(test.pattern)
        #expect(pattern.allows(test.channel, subject: test.subject) == test.allowed)
        #expect(pattern.description == test.pattern)
    }

    @Test(arguments: [
        ("", "empty"),
        ("user:{id}", "only {sub}"),
        ("user:{sub", "only {sub}"),
        ("user:{", "only {sub}"),
        ("user:}", "'}' outside"),
        ("{SUB}", "only {sub}"),
    ])
    func invalid(_ text: String, _ fragment: String) {
        let error = #expect(throws: ChannelPatternError.self) { try ChannelPattern(text) }
        #expect(error?.description.contains(fragment) == true, "\(String(describing: error))")
    }
}
