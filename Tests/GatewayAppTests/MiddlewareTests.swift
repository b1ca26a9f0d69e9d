import GatewayHTTP
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Synchronization
import Testing

@testable import GatewayApp

/// The middleware chain: outermost first, each may answer by itself or pass the request on.
@Suite struct MiddlewareTests {
    /// Records the order it ran in; refuses when told to.
    struct Recording: Middleware {
        let name: String
        let log: Log
        var refuses = false

        func respond(to request: Request, context: RequestContext, next: any Responder) -> Response {
            log.append(name)
            if refuses { return HTTPError(403, .forbidden, name).response }
            return next.respond(to: request, context: context)
        }
    }

    final class Log: Sendable {
        private let entries = Mutex<[String]>([])
        func append(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    struct Answer: Responder {
        let log: Log
        var allowedMethods: [HTTPMethod] { [.GET] }
        func respond(to request: Request, context: RequestContext) -> Response {
            log.append("responder")
            return .json(200, .object([]))
        }
    }

    private func run(_ chain: [any Middleware], method: HTTPMethod = .GET, log: Log) -> Int? {
        let responder = ChainedResponder.wrap(Answer(log: log), in: chain)
        let request = Request(method: method, target: "/x", headers: [], body: ByteBuffer(), connection: ConnectionInfo(listener: "t", trusted: false))
        return responder.respond(to: request, context: RequestContext(parameters: [:], eventLoop: EmbeddedEventLoop())).status
    }

    @Test func runsOutermostFirstThenTheResponder() {
        let log = Log()
        #expect(run([Recording(name: "a", log: log), Recording(name: "b", log: log)], log: log) == 200)
        #expect(log.all == ["a", "b", "responder"])
    }

    @Test func aRefusalStopsTheChain() {
        let log = Log()
        #expect(run([Recording(name: "a", log: log, refuses: true), Recording(name: "b", log: log)], log: log) == 403)
        #expect(log.all == ["a"])
    }

    @Test func methodGuardAnswers405WithAllowBeforeAnythingElse() {
        let log = Log()
        let responder = ChainedResponder.wrap(Answer(log: log), in: [MethodGuard(), Recording(name: "a", log: log)])
        let request = Request(method: .DELETE, target: "/x", headers: [], body: ByteBuffer(), connection: ConnectionInfo(listener: "t", trusted: true))
        let response = responder.respond(to: request, context: RequestContext(parameters: [:], eventLoop: EmbeddedEventLoop()))
        guard case .complete(let status, let headers, _) = response else { Issue.record("not complete"); return }
        #expect(status == 405)
        #expect(headers.contains { $0 == ("allow", "GET") })
        #expect(log.all.isEmpty)
    }
}
