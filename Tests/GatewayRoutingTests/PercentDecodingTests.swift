import GatewayRouting
import Testing

@Suite struct PercentDecodingTests {
    @Test(arguments: [
        ("plain", false, "plain"),
        ("a%20b", false, "a b"),
        ("a+b", false, "a+b"),
        ("a+b", true, "a b"),
        ("%2b", true, "+"),
        ("%C3%A9", false, "é"),
        ("%c3%a9", false, "é"),
        ("", false, ""),
    ] as [(String, Bool, String)])
    func decodes(_ text: String, _ plusIsSpace: Bool, _ expected: String) {
        #expect(PercentDecoding.decode(Substring(text), plusIsSpace: plusIsSpace) == expected)
    }

    /// Refused rather than guessed at: truncated or non-hex escapes, and bytes that are not UTF-8.
    @Test(arguments: ["%", "%2", "a%g0", "%%", "%FF", "%C3"])
    func refuses(_ text: String) {
        #expect(PercentDecoding.decode(Substring(text)) == nil)
    }
}
