import GatewayConfig
import GatewayTestSupport
import Testing

/// Garbage in never crashes: every input either parses or throws problems with real positions.
@Suite struct FuzzTests {
    /// YAML's structural characters, scalars the schema treats specially, and a little Unicode.
    static let alphabet: [String] = [
        ":", "-", " ", "  ", "\n", "\t", "[", "]", "{", "}", ",", "#", "&a", "*a", "!", "!!int", "|", ">", "'", "\"",
        "%", "@", "`", "?", "<<", "~", "null", "true", "1:2:3:4:5:6:7:8:9", "99999999999999999999", "-1", "0x1F",
        "15s", "1GiB", "routes", "listeners", "path", "/e/{c}", "{c}", "channel", "tls", "é", "\u{0}", "\r\n", "---",
        "...",
    ]

    @Test func randomTokenSoupNeverCrashes() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<300 {
            let length = Int.random(in: 0..<60, using: &generator)
            let text = (0..<length).map { _ in Self.alphabet.randomElement(using: &generator)! }.joined()
            check(text)
        }
    }

    @Test func mutatedDefaultConfigurationNeverCrashes() {
        var generator = SplitMix64(seed: 7)
        let original = Array(GatewayConfiguration.defaultYAML)
        for _ in 0..<300 {
            var text = original
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                let index = Int.random(in: 0..<text.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: text.remove(at: index)
                case 1: text.insert(contentsOf: Self.alphabet.randomElement(using: &generator)!, at: index)
                default: text.swapAt(index, Int.random(in: 0..<text.count, using: &generator))
                }
            }
            check(String(text))
        }
    }

    @Test func deepNestingAndAliasesNeverCrash() {
        check(String(repeating: "[", count: 5000))
        check(String(repeating: "- ", count: 2000) + "x")
        check("a: &a [*a]")
        // Exponential expansion ("billion laughs") must not be walked exponentially.
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1..<20 { lines.append("a\(level): &a\(level) [*a\(level - 1), *a\(level - 1), *a\(level - 1)]") }
        lines.append("routes: *a19")
        check(lines.joined(separator: "\n"))
    }

    private func check(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try GatewayConfiguration.parse(yaml: text, fileName: "fuzz.yaml")
        } catch {
            #expect(!error.problems.isEmpty, sourceLocation: sourceLocation)
            #expect(error.problems.allSatisfy { $0.line >= 1 && $0.column >= 1 }, "\(text.debugDescription)",
                    sourceLocation: sourceLocation)
        }
    }
}
