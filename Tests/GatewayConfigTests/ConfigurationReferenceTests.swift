import Foundation
import GatewayHTTP
import GatewayHTTP2
import Testing

@testable import GatewayConfig

/// The configuration reference cannot drift: it lists exactly the keys the parser accepts, its literal
/// defaults are the parser's defaults, and the README carries its current output.
@Suite struct ConfigurationReferenceTests {
    /// Every key path the parser accepts, from the key lists it checks mappings against.
    static var parserKeys: Set<String> {
        var paths = Set(GatewayConfiguration.topLevelKeys)
        let sections: [(String, [String])] = [
            ("listeners[]", ListenerConfiguration.keys), ("tls", TLSSettings.keys), ("tls.certificates[]", TLSSettings.certificateKeys),
            ("http2", HTTP2SessionSettings.keys), ("http1", HTTP1Settings.keys), ("streams", StreamSettings.keys),
            ("history", HistorySettings.keys), ("publish", PublishSettings.keys), ("limits", LimitSettings.keys),
            ("logging", LoggingSettings.keys), ("upstreams", UpstreamSettings.keys), ("routes[]", RouteConfiguration.keys),
            ("routes[].history", ["count", "bytes", "ttl"]), ("routes[].upstream", RouteConfiguration.upstreamKeys),
            ("routes[].upstream.reconnect", RouteConfiguration.reconnectKeys), ("routes[].static", RouteConfiguration.staticKeys),
            ("routes[].rate_limit", RouteRateLimit.keys), ("publish.rate_limit", RouteRateLimit.keys),
        ]
        for (prefix, keys) in sections { paths.formUnion(keys.map { prefix + "." + $0 }) }
        return paths
    }

    @Test func listsExactlyTheKeysTheParserAccepts() {
        let documented = ConfigurationReference.keys.map(\.path)
        #expect(Set(documented).count == documented.count, "a key is listed twice")
        let parser = Self.parserKeys
        #expect(parser.subtracting(documented).sorted() == [], "accepted by the parser but not documented")
        #expect(Set(documented).subtracting(parser).sorted() == [], "documented but not accepted by the parser")
    }

    @Test func theMarkdownHasEveryKeyOnceUnderItsSection() {
        let markdown = ConfigurationReference.markdown()
        for key in ConfigurationReference.keys {
            #expect(markdown.components(separatedBy: "| `\(key.path)` |").count == 2, "\(key.path)")
        }
        #expect(markdown.components(separatedBy: "\n### ").count - 1 == GatewayConfiguration.topLevelKeys.count)
    }

    @Test func everyEntryHasATypeAndAMeaning() {
        for key in ConfigurationReference.keys {
            #expect(!key.type.isEmpty && !key.meaning.isEmpty && !key.defaultValue.isEmpty, "\(key.path)")
        }
    }

    /// A literal default written into a file must change nothing: then it is the default the parser uses.
    @Test func literalDefaultsAreTheParsersDefaults() throws {
        let route = "routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n"
        let baseline = try GatewayConfiguration.parse(yaml: route, fileName: "baseline")
        let sectionKeys = ConfigurationReference.keys.filter { key in
            key.hasLiteralDefault && !key.path.contains("[]") && key.path.split(separator: ".").count == 2
        }
        #expect(sectionKeys.count > 30)
        for key in sectionKeys {
            let parts = key.path.split(separator: ".")
            let yaml = "\(parts[0]):\n  \(parts[1]): \(key.defaultValue)\n" + route
            let parsed = try GatewayConfiguration.parse(yaml: yaml, fileName: key.path)
            #expect(parsed == baseline, "\(key.path): \(key.defaultValue) is not the default")
        }
    }

    @Test func routeLiteralDefaultsAreTheParsersDefaults() throws {
        let plain = try GatewayConfiguration.parse(yaml: "routes:\n  - {path: \"/e/{c}\", channel: \"{c}\"}\n  - {path: \"/p/{c}\", publish: \"{c}\"}\n", fileName: "a")
        let explicit = try GatewayConfiguration.parse(yaml: """
            routes:
              - {path: "/e/{c}", channel: "{c}", max_channels: 1, stream_open_event: false}
              - {path: "/p/{c}", publish: "{c}", anonymous: false}

            """, fileName: "b")
        #expect(plain == explicit)
        let upstream = try GatewayConfiguration.parse(yaml: "routes:\n  - {path: /u, upstream: {url: \"http://127.0.0.1:1/\"}}\n", fileName: "c")
        let upstreamExplicit = try GatewayConfiguration.parse(yaml: """
            routes:
              - path: /u
                upstream: {url: "http://127.0.0.1:1/", mode: shared, idle_timeout: 30s, always_on: false, connect_timeout: 5s,
                           read_timeout: 60s, max_event_size: 1MiB, reconnect: {initial: 1s, max: 30s}}

            """, fileName: "d")
        #expect(upstream == upstreamExplicit)
    }

    /// `scripts/config-reference.sh` rewrites the README section; this fails until it has been run.
    @Test func readmeSectionIsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let begin = "<!-- config-reference:begin -->\n", end = "<!-- config-reference:end -->"
        let start = try #require(readme.range(of: begin), "README.md has no '\(begin)' marker")
        let stop = try #require(readme.range(of: end, range: start.upperBound..<readme.endIndex), "README.md has no '\(end)' marker")
        let section = String(readme[start.upperBound..<stop.lowerBound])
        #expect(section == ConfigurationReference.markdown(), "README.md's configuration reference is stale: run scripts/config-reference.sh")
    }
}
