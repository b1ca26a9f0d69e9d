import Testing

@testable import GatewayConfig

/// The value syntaxes alone, without YAML around them.
@Suite struct ConfigValueTests {
    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)), ("15s", .seconds(15)), ("2m", .seconds(120)), ("1h", .seconds(3600)),
        ("1d", .seconds(86400)), ("15", .seconds(15)), ("1_000ms", .seconds(1)), (" 5s", .seconds(5)), ("5 s", .seconds(5)),
    ])
    func durations(_ text: String, _ expected: Duration) throws {
        #expect(try ConfigValue.duration(text).get() == expected)
    }

    @Test(arguments: ["15x", "-1s", "0s", "0", "", "s", "1.5s", "1e3", "+5s", "1sms", "5 m s", "_1s", "99999999999999999999s"])
    func badDurations(_ text: String) {
        #expect(throws: ValueProblem.self) { try ConfigValue.duration(text).get() }
    }

    @Test(arguments: [
        ("65536", 65536), ("64KiB", 65536), ("1MiB", 1_048_576), ("1GiB", 1_073_741_824), ("512B", 512),
        ("16 KiB", 16384), ("1_024", 1024),
    ])
    func sizes(_ text: String, _ expected: Int) throws {
        #expect(try ConfigValue.size(text).get() == expected)
    }

    @Test(arguments: ["64KB", "1MB", "1k", "0", "-1", "", "KiB", "1.5MiB", "99999999999999999999GiB", "9999999999999GiB"])
    func badSizes(_ text: String) {
        #expect(throws: ValueProblem.self) { try ConfigValue.size(text).get() }
    }

    @Test(arguments: [
        ("0.0.0.0", true), ("127.0.0.1", true), ("255.255.255.255", true), ("localhost", true), ("::", true),
        ("::1", true), ("fe80::1:2", true), ("2001:db8:0:0:0:0:0:1", true), ("::ffff:192.0.2.1", true),
        ("256.0.0.1", false), ("1.2.3", false), ("01.2.3.4", false), ("[::1]", false), ("1:2:3:4:5:6:7:8:9", false),
        ("1::2::3", false), ("example.com", false), ("", false), ("::g", false), ("1.2.3.4::", false),
    ])
    func bindableHosts(_ host: String, _ valid: Bool) {
        #expect(ConfigValue.isBindableHost(host) == valid)
    }

    @Test(arguments: [
        ("localhost", true), ("example.com", true), ("*.example.com", true), ("a-b.c", true), ("xn--caf-dma.fr", true),
        ("", false), ("*", false), ("a.*.com", false), ("-a.com", false), ("a-.com", false), ("a..com", false),
        ("a_b.com", false), ("café.fr", false), (String(repeating: "a", count: 64) + ".com", false),
    ])
    func serverNames(_ name: String, _ valid: Bool) {
        #expect(ConfigValue.isServerName(name) == valid)
    }

    @Test(arguments: [
        ("SSEGATE_PUBLISH_TOKEN", true), ("_X", true), ("A1", true),
        ("", false), ("1A", false), ("lower", false), ("A-B", false), ("É", false),
    ])
    func environmentVariableNames(_ name: String, _ valid: Bool) {
        #expect(ConfigValue.isEnvironmentVariableName(name) == valid)
    }
}
