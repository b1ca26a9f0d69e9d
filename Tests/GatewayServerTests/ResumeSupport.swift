import GatewayTestSupport
import Foundation
import GatewayConfig
import GatewayRouting
import Testing

/// Shared pieces of the history-and-resume integration tests: the routes they configure, a curl subscriber,
/// a small WHATWG-style parser for what curl printed, and publishing that returns the assigned ids.
enum Resume {
    /// One parsed event: `id:`, `event:` (nil for `message`) and the joined `data:` lines.
    struct Event: Equatable, CustomStringConvertible {
        var id: String?
        var type: String?
        var data: String
        var description: String { "[\(type ?? "message") id=\(id ?? "-") \(data)]" }

        /// The JSON object of a `stream-gap` (or `stream-open`) event.
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] }
    }

    /// Complete events (ending in a blank line) with at least one `data:` line, per WHATWG HTML §9.2.6.
    static func events(_ text: String) -> [Event] {
        var blocks = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
        blocks.removeLast()  // after the last blank line: an incomplete event, not dispatched
        return blocks.compactMap { block in
            var event = Event(id: nil, type: nil, data: "")
            var data: [String] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: false) where !line.hasPrefix(":") {
                let (field, value) = line.firstIndex(of: ":").map { (String(line[..<$0]), String(line[line.index(after: $0)...])) } ?? (String(line), "")
                let trimmed = value.hasPrefix(" ") ? String(value.dropFirst()) : value
                switch field {
                case "id": event.id = trimmed
                case "event": event.type = trimmed
                case "data": data.append(trimmed)
                default: break
                }
            }
            guard !data.isEmpty else { return nil }
            event.data = data.joined(separator: "\n")
            return event
        }
    }

    static func route(_ path: String, channel: String = "{channel}", history: HistoryOverride? = nil, replayLast: Int? = nil, maxChannels: Int = 1, streamOpenEvent: Bool = false, maxAge: Duration? = nil) throws -> RouteConfiguration {
        RouteConfiguration(
            route: Route(pattern: try RoutePattern(path), action: .channel(try ParameterTemplate(channel))),
            history: history, replayLast: replayLast, maxChannels: maxChannels, streamOpenEvent: streamOpenEvent, maxAge: maxAge
        )
    }

    static func publishRoute(_ path: String, history: HistoryOverride? = nil) throws -> RouteConfiguration {
        RouteConfiguration(route: Route(pattern: try RoutePattern(path), action: .publish(try ParameterTemplate("{channel}"))), history: history)
    }

    /// A gateway with the default routes plus the ones these tests need (inserted before the defaults).
    static func gateway(_ extra: [RouteConfiguration] = [], _ configure: @escaping (inout GatewayConfiguration) -> Void = { _ in }) async throws -> TestGateway {
        try await TestGateway.start { configuration in
            configuration.routes = extra + configuration.routes
            configure(&configuration)
        }
    }

    /// A curl subscriber (HTTP/2 over TLS unless `http1`), optionally resuming with a `Last-Event-ID` header.
    static func subscribe(_ gateway: TestGateway, _ pathAndQuery: String, lastEventID: String? = nil, http1: Bool = false, maxTime: Int = 15) throws -> ChildProcess {
        var arguments = ["-sS", "-N", "--max-time", String(maxTime), "--cacert", gateway.caPath, http1 ? "--http1.1" : "--http2"]
        if let lastEventID { arguments += ["-H", "Last-Event-ID: \(lastEventID)"] }
        return try ChildProcess("curl", arguments + [gateway.tlsURL + pathAndQuery])
    }

    /// Waits until the subscriber has printed at least `count` complete events; returns them.
    static func waitForEvents(_ child: ChildProcess, count: Int, timeout: Duration = .seconds(10)) async -> [Event] {
        _ = await child.waitForOutput(timeout: timeout) { events($0).count >= count }
        return events(child.text)
    }

    /// Publishes one event (text body) on the trusted listener at `path` (default `/publish/<channel>`);
    /// returns the id the gateway assigned.
    @discardableResult
    static func publish(_ gateway: TestGateway, _ channel: String, _ body: String, path: String? = nil, query: String = "", headers: [String] = []) async throws -> String {
        let answer = try await publishAnswer(gateway, channel, body, path: path, query: query, headers: headers)
        let ids = try #require(answer["ids"] as? [String], "publish answer: \(answer)")
        return try #require(ids.first)
    }

    static func publishAnswer(_ gateway: TestGateway, _ channel: String, _ body: String, path: String? = nil, query: String = "", headers: [String] = []) async throws -> [String: Any] {
        let url = gateway.plainURL + (path ?? "/publish") + "/" + channel + query
        let answer = try await gateway.curl(["-X", "POST", "-H", "content-type: text/plain"] + headers.flatMap { ["-H", $0] } + ["--data-binary", body, url])
        #expect(answer.status == 200, "publish \(body) to \(url): \(answer)")
        return try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any], "publish answer: \(answer)")
    }

    static var clientsDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients").path
    }

    /// `<epoch36>-<seq36>` split into its parts.
    static func cursor(_ id: String) -> (epoch: String, sequence: Int)? {
        let parts = id.split(separator: "-")
        guard parts.count == 2, let sequence = Int(parts[1], radix: 36) else { return nil }
        return (String(parts[0]), sequence)
    }
}
