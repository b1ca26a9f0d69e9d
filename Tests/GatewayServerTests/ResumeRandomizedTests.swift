import GatewayTestSupport
import Foundation
import Testing

/// The headline: EventSource-like clients over real TLS HTTP/2 that drop their connections at random
/// points (between events, mid-event, mid-line) and resume with `Last-Event-ID` end with exactly the
/// published sequence, and subscribers that resume while publishes race with their subscribe get a
/// contiguous sequence from their resume point (the replay/live hand-over).
///
/// The seed is random per run and printed in every failure; set `RESUME_SEED` to replay one.
@Suite(.serialized) struct ResumeRandomizedTests {
    private let seed = ProcessInfo.processInfo.environment["RESUME_SEED"].flatMap(Int.init) ?? Int.random(in: 1...1_000_000)

    /// Runs `Clients/resume_client.py` and returns its JSON summary.
    private func run(_ gateway: TestGateway, mode: String, path: String, channels: [String], clients: Int, events: Int, cuts: Int) async throws -> [String: Any] {
        let script = Resume.clientsDirectory + "/resume_client.py"
        let arguments = [script, mode, "127.0.0.1", String(gateway.tlsPort), String(gateway.plainPort), gateway.caPath, path, channels.joined(separator: ","), String(clients), String(events), String(cuts), String(seed)]
        let result = try await ChildProcess.run("python3", arguments, timeout: .seconds(28))
        let line = try #require(result.output.split(separator: "\n").last.map(String.init), "no summary (seed \(seed)): \(result.errors)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "seed \(seed): \(result.output) \(result.errors)")
        #expect(summary["seed"] as? Int == seed)
        #expect(summary["ok"] as? Bool == true, "seed \(seed): \(line)\n\(result.errors.suffix(2000))")
        #expect(result.status == 0, "seed \(seed): exit \(result.status)")
        let reports = summary["clients"] as? [[String: Any]] ?? []
        #expect(reports.count == clients, "seed \(seed): \(line)")
        if cuts > 0 {
            // The drops really fell inside events and inside lines, not only between events.
            let midEvent = reports.reduce(0) { $0 + ($1["mid_event_cuts"] as? Int ?? 0) }
            let midLine = reports.reduce(0) { $0 + ($1["mid_line_cuts"] as? Int ?? 0) }
            #expect(midEvent > 0 && midLine > 0, "seed \(seed): no mid-event/mid-line drops: \(line)")
        }
        return summary
    }

    @Test func clientsDroppingAtRandomPointsResumeWithoutGapOrDuplicate() async throws {
        let gateway = try await Resume.gateway()
        let summary = try await run(gateway, mode: "reconnect", path: "/events/numbers", channels: ["numbers"], clients: 6, events: 300, cuts: 5)
        // The clients really did drop and come back: every one used at least one more connection than its first.
        for report in summary["clients"] as? [[String: Any]] ?? [] {
            #expect((report["connections"] as? Int ?? 0) >= 2, "seed \(seed): client never reconnected: \(report)")
        }
        await gateway.stop()
    }

    @Test func multiChannelClientsDroppingAtRandomPointsResumeEveryChannel() async throws {
        let gateway = try await Resume.gateway([try Resume.route("/multi", maxChannels: 4)])
        // The URL names b before a: the composite id is in channel-name order whatever the URL order.
        let summary = try await run(gateway, mode: "reconnect", path: "/multi?channel=mb&channel=ma", channels: ["ma", "mb"], clients: 4, events: 150, cuts: 5)
        for report in summary["clients"] as? [[String: Any]] ?? [] {
            #expect((report["connections"] as? Int ?? 0) >= 2, "seed \(seed): client never reconnected: \(report)")
        }
        await gateway.stop()
    }

    @Test func subscribersResumingWhilePublishesRaceGetContiguousSequences() async throws {
        let gateway = try await Resume.gateway()
        _ = try await run(gateway, mode: "race", path: "/events/race", channels: ["race"], clients: 20, events: 300, cuts: 0)
        await gateway.stop()
    }

    @Test func multiChannelSubscribersResumingWhilePublishesRace() async throws {
        let gateway = try await Resume.gateway([try Resume.route("/multi", maxChannels: 4)])
        _ = try await run(gateway, mode: "race", path: "/multi?channel=ra&channel=rb", channels: ["ra", "rb"], clients: 12, events: 150, cuts: 0)
        await gateway.stop()
    }
}
