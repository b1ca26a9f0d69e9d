import GatewayConfig
import GatewayHub
import GatewayRouting
import GatewayTestSupport
import Foundation
import Testing

/// An HTTP/1.1 event stream over TLS whose client stops reading (`deadline_probe.py h1-stall`), on a
/// gateway where only the stall deadline can end it: the outbound budget is far above what is published.
/// It has a route of its own (`/stall-h1/{channel}`), so the process-wide metrics can be compared by route
/// while other suites run.
struct StalledHTTP1Reader {
    static let route = "/stall-h1"
    /// 32 batches of 8 events of 32 KiB: 8 MiB, twice the most the kernel's send buffer grows to
    /// (`tcp_wmem` max, 4 MiB), so bytes are left queued in the gateway that cannot be sent.
    static let batches = 32
    static let eventsPerBatch = 8
    static var total: Int { batches * eventsPerBatch }

    /// What the gateway needs beside its deadlines: a budget and history larger than the 8 MiB published,
    /// publishes of 256 KiB, the stall route and `/metrics` on the plain listener.
    static func configure(_ configuration: inout GatewayConfiguration) {
        configuration.streams.outboundBudget = 64 << 20
        configuration.publish.maxBodyBytes = 4 << 20
        configuration.history.limits = HistoryLimits(count: 10_000, bytes: 64 << 20)
        configuration.routes.append(RouteConfiguration(
            route: Route(pattern: try! RoutePattern(route + "/{channel}"), action: .channel(try! ParameterTemplate("{channel}")))))
        configuration.routes.append(RouteConfiguration(
            route: Route(pattern: try! RoutePattern("/metrics"), action: .metrics), listeners: ["plain"]))
    }

    /// How the stall ended.
    struct Outcome {
        /// From the last publish to the stream's end (its subscriber gone); nil if it was not ended.
        var endedAfterLastPublish: Duration?
        /// The probe's summary: `closed_after`, and the tags it received before (`old`) and after resuming (`new`).
        var summary: [String: Any]
        var stalledEnds: Double
        var slowConsumerEnds: Double
        var stallDeadlines: Double
    }

    /// Subscribes the probe, publishes 8 MiB it never reads, waits up to `endWithin` (from the last
    /// publish) for the gateway to end the stream, then lets the probe read on and resume.
    static func run(_ gateway: TestGateway, script: String, channel: String, endWithin: Duration) async throws -> Outcome {
        let routeLabel = #"route="\#(route)/{channel}""#
        let before = try await gateway.scrape()
        let client = try ChildProcess("python3", [script, "h1-stall", "127.0.0.1", String(gateway.tlsPort), gateway.caPath,
                                                  channel, route, String(total)])
        defer { client.terminate() }
        #expect(await client.waitForOutput(containing: "READY", timeout: .seconds(20)), "\(client.errorText)")
        #expect(await gateway.waitForSubscribers(channel, count: 1))
        let padding = String(repeating: "x", count: 32 * 1024)
        for batch in 0..<batches {
            let items = (0..<eventsPerBatch).map { #"{"data":"s-\#(batch * eventsPerBatch + $0)-\#(padding)"}"# }
            let path = gateway.directory + "/stall-batch.json"
            try ("[" + items.joined(separator: ",") + "]").write(toFile: path, atomically: true, encoding: .utf8)
            let answer = try await gateway.curl(["-X", "POST", "-H", "content-type: application/json", "--data-binary", "@\(path)",
                                                 "\(gateway.plainURL)/publish/\(channel)"])
            #expect(answer.status == 200, "\(answer.body)")
        }
        let lastPublish = ContinuousClock.now
        let ended = await gateway.waitForSubscribers(channel, count: 0, timeout: endWithin)
        let endedAfter = ended ? ContinuousClock.now - lastPublish : nil
        client.signal(SIGUSR1)  // read on: the rest of what the kernel holds, the close, then resume
        #expect(await client.waitForExit(timeout: .seconds(120)) == 0, "\(client.errorText)")
        let line = try #require(client.text.split(separator: "\n").last.map(String.init), "\(client.errorText)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(client.text)")
        let after = try await gateway.scrape()
        let delta = { (name: String, labels: [String]) in
            after.samples.filter { series, _ in series.hasPrefix(name + "{") && labels.allSatisfy { series.contains($0) } }.values.reduce(0, +)
                - before.samples.filter { series, _ in series.hasPrefix(name + "{") && labels.allSatisfy { series.contains($0) } }.values.reduce(0, +)
        }
        return Outcome(
            endedAfterLastPublish: endedAfter, summary: summary,
            stalledEnds: delta("ssegate_streams_ended_total", [routeLabel, #"reason="stalled""#]),
            slowConsumerEnds: delta("ssegate_streams_ended_total", [routeLabel, #"reason="slow_consumer""#]),
            stallDeadlines: delta("ssegate_deadlines_total", [#"deadline="stream_stall""#]))
    }

    /// Checks an outcome: ended by the stall deadline (not the budget) in time, the connection closed, and
    /// the events before the close plus the resumed ones are every event, in order.
    static func expectEndedByStallAndResumed(_ outcome: Outcome, within bound: Duration) {
        #expect(outcome.endedAfterLastPublish != nil, "the stalled HTTP/1.1 stream was not ended within \(bound) of the last publish")
        if let after = outcome.endedAfterLastPublish { #expect(after <= bound, "ended \(after) after the last publish") }
        #expect(outcome.stalledEnds == 1, "streams ended as stalled on the route: \(outcome.stalledEnds)")
        #expect(outcome.slowConsumerEnds == 0, "the budget, not the stall deadline, ended it")
        #expect(outcome.stallDeadlines >= 1, "ssegate_deadlines_total{deadline=\"stream_stall\"} did not move")
        #expect(outcome.summary["closed_after"] as? Double != nil, "the client never saw the connection close: \(outcome.summary)")
        let old = outcome.summary["old"] as? [String] ?? []
        let new = outcome.summary["new"] as? [String] ?? []
        #expect(!old.isEmpty, "the client got nothing before it stalled")
        #expect(old + new == (0..<total).map { "s-\($0)" }, "resumed with \(old.count) + \(new.count) events, not all \(total) in order")
    }
}
