import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayHTTP

/// The shared idle timer: fires only after a whole timeout of idleness, never while busy, and going busy
/// and idle again moves the deadline without rescheduling per request.
@Suite struct IdleTimerTests {
    private final class Fired { var count = 0 }

    private func timer(_ loop: EmbeddedEventLoop, _ fired: Fired) -> IdleTimer {
        IdleTimer(eventLoop: loop, timeout: .seconds(10)) { fired.count += 1 }
    }

    @Test func firesAfterAWholeTimeoutOfIdleness() {
        let loop = EmbeddedEventLoop()
        let fired = Fired()
        let idle = timer(loop, fired)
        idle.becameIdle()
        loop.advanceTime(by: .seconds(9))
        #expect(fired.count == 0)
        loop.advanceTime(by: .seconds(1))
        #expect(fired.count == 1)
    }

    @Test func neverFiresWhileBusy() {
        let loop = EmbeddedEventLoop()
        let fired = Fired()
        let idle = timer(loop, fired)
        idle.becameIdle()
        idle.becameBusy()
        loop.advanceTime(by: .seconds(60))
        #expect(fired.count == 0)
        idle.becameIdle()
        loop.advanceTime(by: .seconds(10))
        #expect(fired.count == 1)
    }

    @Test func activityMovesTheDeadline() {
        let loop = EmbeddedEventLoop()
        let fired = Fired()
        let idle = timer(loop, fired)
        idle.becameIdle()
        loop.advanceTime(by: .seconds(8))
        idle.becameBusy()
        idle.becameIdle()  // a request came and went at 8 s: idle again from 8 s
        loop.advanceTime(by: .seconds(2))
        #expect(fired.count == 0, "fired at the first deadline although the connection was used")
        loop.advanceTime(by: .seconds(8))
        #expect(fired.count == 1)
    }

    @Test func cancelledTimerNeverFires() {
        let loop = EmbeddedEventLoop()
        let fired = Fired()
        let idle = timer(loop, fired)
        idle.becameIdle()
        idle.cancel()
        loop.advanceTime(by: .seconds(60))
        #expect(fired.count == 0)
    }
}
