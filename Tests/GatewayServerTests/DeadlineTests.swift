import GatewayTestSupport
import Foundation
import Testing

/// The edge deadlines against real slow clients over TLS (`Clients/deadline_probe.py`): a head that never
/// completes (HTTP/1.1, and HTTP/2 header blocks and frames cut short), a body that stops, a body the
/// gateway discards, an HTTP/2 body that never ends, and streams whose queue cannot be sent (HTTP/2 and
/// HTTP/1.1). Each probe is ended by its deadline while a witness stream keeps receiving.
@Suite(.serialized) struct DeadlineTests {
    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Clients/deadline_probe.py").path

    /// Short deadlines: 2 s each, heartbeats every second so stall checks start early.
    private func shortDeadlines() async throws -> TestGateway {
        try await TestGateway.start {
            $0.limits.requestHeadTimeout = .seconds(2)
            $0.limits.requestBodyTimeout = .seconds(2)
            $0.streams.stallTimeout = .seconds(2)
            $0.streams.heartbeat = .seconds(1)
        }
    }

    private func probe(_ gateway: TestGateway, _ mode: String, _ extra: [String] = []) throws -> ChildProcess {
        try ChildProcess("python3", [Self.script, mode, "127.0.0.1", String(gateway.tlsPort), gateway.caPath] + extra)
    }

    /// The probe's JSON summary once it exits.
    private func summary(of probe: ChildProcess, timeout: Duration = .seconds(60)) async throws -> [String: Any] {
        #expect(await probe.waitForExit(timeout: timeout) == 0, "\(probe.errorText)")
        let line = try #require(probe.text.split(separator: "\n").last.map(String.init), "\(probe.errorText)")
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(probe.text)")
    }

    /// Runs one probe against a gateway with 2 s deadlines while a witness stream runs, and hands the
    /// probe's summary to `check`.
    private func probing(_ label: String, _ extra: [String] = [], check: ([String: Any]) -> Void) async throws {
        let gateway = try await shortDeadlines()
        let witness = try await Witness.start(gateway)
        let client = try probe(gateway, label, extra)
        defer { client.terminate() }
        #expect(await client.waitForOutput(containing: "READY"), "\(client.errorText)")
        check(try await summary(of: client))
        #expect(await witness.finish() == nil)
        await gateway.stop()
    }

    private func closedWithin(_ result: [String: Any], _ range: ClosedRange<Double>, key: String = "closed_after") -> Bool {
        guard let seconds = result[key] as? Double else { return false }
        return range.contains(seconds)
    }

    @Test(arguments: ["h1-head", "h1-body", "h1-discard"])
    func anHTTP1RequestThatStopsIsClosedByItsDeadline(mode: String) async throws {
        try await probing(mode) { result in
            // 2 s deadline; the discard case may also end earlier, once its 413 is out.
            let earliest = mode == "h1-discard" ? 0.0 : 1.5
            #expect(closedWithin(result, earliest...10), "\(mode): \(result)")
        }
    }

    /// A request body that never ends (`body`), or an event stream whose window stays at zero (`zero`): the
    /// body deadline or the stall deadline resets that stream with CANCEL, and the event stream beside it
    /// on the same connection stays open.
    @Test(arguments: [("h2-body", "body"), ("h2-zero", "zero")])
    func anHTTP2StreamThatStopsMovingIsResetAloneWhileItsSiblingStaysOpen(label: String, mode: String) async throws {
        try await probing(label, [mode]) { result in
            #expect(result["reset"] as? Int == 8, "\(mode) stream not reset with CANCEL: \(result)")
            #expect(closedWithin(result, 1.5...10, key: "reset_after"), "\(result)")
            #expect(result["sibling_ended"] as? Bool == false, "the event stream on the same connection ended: \(result)")
        }
    }

    /// Stream A reads 5 events and then keeps its window shut while more arrive; it is reset after the
    /// stall timeout, and a new stream resuming with A's last id receives every later event, in order.
    @Test func aStalledStreamResumesFromHistoryWithoutLoss() async throws {
        let gateway = try await shortDeadlines()
        let witness = try await Witness.start(gateway)
        let total = 16
        let client = try probe(gateway, "h2-stall", ["stall", "5", String(total)])
        defer { client.terminate() }
        #expect(await client.waitForOutput(containing: "READY"), "\(client.errorText)")
        #expect(await gateway.waitForSubscribers("stall", count: 2))
        let padding = String(repeating: "x", count: 16 * 1024)
        func publish(_ number: Int, large: Bool) async throws {
            let answer = try await gateway.publish("stall", body: "e-\(number)" + (large ? "-" + padding : ""))
            #expect(answer.status == 200)
        }
        for number in 0..<5 { try await publish(number, large: false) }
        #expect(await client.waitForOutput(containing: "STALLED", timeout: .seconds(20)), "\(client.text) \(client.errorText)")
        // 96 KiB: A's 64 KiB window fills, the rest stays queued (below the 256 KiB budget) and cannot move.
        for number in 5..<11 { try await publish(number, large: true) }
        #expect(await client.waitForOutput(containing: "RESET", timeout: .seconds(20)), "\(client.text) \(client.errorText)")
        for number in 11..<total { try await publish(number, large: false) }
        let result = try await summary(of: client)
        let expected = (0..<total).map { "e-\($0)" }
        let tags = { (key: String) in ((result[key] as? [String]) ?? []).map { $0.split(separator: "-").prefix(2).joined(separator: "-") } }
        #expect(result["reset_a"] as? Int == 8, "\(result["reset_a"] ?? "nil")")
        #expect(tags("a_then_c") == expected, "the resumed stream lost or reordered events")
        #expect(tags("b") == expected, "the sibling stream lost events")
        #expect(await witness.finish() == nil)
        await gateway.stop()
    }

    /// A stalled HTTP/1.1 reader whose budget (64 MiB) is never reached: the 2 s stall deadline ends it,
    /// counted as `stalled`, and it resumes without loss. The heartbeat stays at its default 15 s: the stall
    /// clock starts when the socket stops taking bytes, not at the stream's next heartbeat visit.
    @Test func aStalledHTTP1StreamIsClosedByTheStallDeadlineAndResumes() async throws {
        let gateway = try await TestGateway.start {
            $0.streams.stallTimeout = .seconds(2)
            StalledHTTP1Reader.configure(&$0)
        }
        let witness = try await Witness.start(gateway)
        let outcome = try await StalledHTTP1Reader.run(gateway, script: Self.script, channel: "stall-h1", endWithin: .seconds(30))
        StalledHTTP1Reader.expectEndedByStallAndResumed(outcome, within: .seconds(10))
        #expect(await witness.finish() == nil)
        await gateway.stop()
    }

    /// HTTP/2 header blocks that never complete, with the idle timeout (60 s) far away: a HEADERS frame
    /// without END_HEADERS and no CONTINUATION, a HEADERS frame cut short (with and without the PRIORITY
    /// field), a frame header cut short. The 2 s head deadline closes each connection with GOAWAY(NO_ERROR).
    @Test(arguments: ["h2-open-block", "h2-partial-frame", "h2-partial-priority", "h2-partial-header"])
    func anHTTP2HeaderBlockThatNeverCompletesClosesItsConnection(mode: String) async throws {
        try await probing(mode) { result in
            #expect(closedWithin(result, 1.5...10), "\(mode): \(result)")
            #expect(result["goaway"] as? Int == 0, "\(mode): no GOAWAY(NO_ERROR) before the close: \(result)")
        }
    }

    /// Every probe at once under the default deadlines (15 s head, 10 s body, 30 s stall): each is ended
    /// within 45 s, and the witness loses nothing meanwhile. The stalled HTTP/1.1 reader's budget is raised
    /// (only the stall deadline may end it); its 45 s count from the last publish, and its stall clock
    /// starts when its socket stops taking bytes, during the publishing, so it ends about 30 s after that.
    @Test func underTheDefaultsEveryProbeEndsWithin45Seconds() async throws {
        let gateway = try await TestGateway.start { StalledHTTP1Reader.configure(&$0) }
        let witness = try await Witness.start(gateway)
        let modes = ["h1-head", "h1-body", "h1-discard", "h2-body", "h2-zero", "h2-open-block", "h2-partial-frame", "h2-partial-priority"]
        let clients = try modes.map { try probe(gateway, $0, ["defaults-\($0)"]) }
        defer { for client in clients { client.terminate() } }
        for client in clients { #expect(await client.waitForOutput(containing: "READY"), "\(client.errorText)") }
        let stalled = try await StalledHTTP1Reader.run(gateway, script: Self.script, channel: "defaults-h1-stall", endWithin: .seconds(60))
        StalledHTTP1Reader.expectEndedByStallAndResumed(stalled, within: .seconds(45))
        for (mode, client) in zip(modes, clients) {
            let result = try await summary(of: client, timeout: .seconds(60))
            let key = mode == "h2-body" || mode == "h2-zero" ? "reset_after" : "closed_after"
            #expect(closedWithin(result, 0...45, key: key), "\(mode) was not ended within 45 s: \(result)")
            if mode == "h2-body" || mode == "h2-zero" { #expect(result["reset"] as? Int == 8, "\(mode): \(result)") }
        }
        #expect(await witness.finish() == nil)
        await gateway.stop()
    }
}
