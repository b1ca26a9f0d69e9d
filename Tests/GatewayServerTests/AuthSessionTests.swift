import Foundation
import GatewayConfig
import GatewayTestSupport
import Testing

/// Sessions bound to tokens, with real clients: a stream gets the session its token grants, a session the
/// token does not grant is refused, and targeted events (live and replayed) reach only that session's streams.
@Suite(.serialized) struct AuthSessionTests {
    @Test func targetedEventsReachOnlyTheGrantedSession() async throws {
        let gateway = try await TestGateway.start(environment: AuthTestSupport.environment) { configuration in
            AuthTestSupport.configure(&configuration)
            configuration.routes[0].streamOpenEvent = true
        }
        let url = "\(gateway.tlsURL)/events/inbox"
        func subscribe(_ token: String, _ extra: [String] = []) throws -> ChildProcess {
            try ChildProcess("curl", ["-sS", "-N", "--http2", "--max-time", "20", "--cacert", gateway.caPath, "-H", "authorization: Bearer \(token)"] + extra + [url])
        }
        let aliceToken = try await AuthTestSupport.token("alice", subscribe: ["inbox"], session: "alice-session")
        let bobToken = try await AuthTestSupport.token("bob", subscribe: ["inbox"])
        // Bob cannot claim Alice's session.
        let claimed = try await gateway.curl(["-H", "authorization: Bearer \(bobToken)", "\(url)?session=alice-session"])
        #expect(claimed.status == 403, "\(claimed)")
        #expect(claimed.body.contains("session"))

        let alice = try subscribe(aliceToken)
        defer { alice.terminate() }
        let bob = try subscribe(bobToken, ["-H", "last-event-id: earliest"])
        defer { bob.terminate() }
        #expect(await gateway.waitForSubscribers("inbox", count: 2))
        // The stream-open event names the session first (then the connection and protocol).
        #expect(await alice.waitForOutput(containing: #"data: {"session":"alice-session","#), "\(alice.text)")
        // Bob's stream got a session issued by the server, not one of his choosing.
        #expect(await bob.waitForOutput(containing: #"data: {"session":""#))
        #expect(!bob.text.contains("alice-session"))

        let targeted = try await gateway.curl(["-X", "POST", "--data-binary", "for alice only", "\(gateway.plainURL)/publish/inbox?session=alice-session"])
        #expect(targeted.status == 200, "\(targeted)")
        _ = try await gateway.publish("inbox", body: "for everyone")
        #expect(await alice.waitForOutput(containing: "data: for everyone\n"))
        #expect(await bob.waitForOutput(containing: "data: for everyone\n"))
        #expect(alice.text.contains("data: for alice only\n"))
        #expect(!bob.text.contains("for alice only"))

        // Replay from the start of history: a stream of another session is not given Alice's event.
        let carol = try subscribe(try await AuthTestSupport.token("carol", subscribe: ["inbox"]), ["-H", "last-event-id: earliest"])
        defer { carol.terminate() }
        #expect(await carol.waitForOutput(containing: "data: for everyone\n"), "\(carol.text)")
        #expect(!carol.text.contains("for alice only"))
        // Alice, reconnecting with her token, gets it replayed.
        let again = try subscribe(aliceToken, ["-H", "last-event-id: earliest"])
        defer { again.terminate() }
        #expect(await again.waitForOutput(containing: "data: for everyone\n"), "\(again.text)")
        #expect(again.text.contains("data: for alice only\n"))
        await gateway.stop()
    }
}
