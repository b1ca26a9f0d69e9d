import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayHTTP

/// The data behind the edge deadlines: request progress (head, then body), the stall rule, and the
/// per-connection timer that only moves earlier.
@Suite struct EdgeDeadlineUnitTests {
    private let head = TimeAmount.seconds(15)
    private let body = TimeAmount.seconds(10)
    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test func aHeadMustCompleteWithinItsTimeoutEvenWhenTrickled() {
        var progress = RequestProgress()
        #expect(progress.deadline(headTimeout: head, bodyTimeout: body) == nil)
        progress.headBytesArrived(at: start)
        progress.headBytesArrived(at: start + .seconds(10))  // more bytes do not move the head's clock
        #expect(progress.expired(at: start + .seconds(14), headTimeout: head, bodyTimeout: body) == nil)
        #expect(progress.expired(at: start + .seconds(15), headTimeout: head, bodyTimeout: body) == .requestHead)
    }

    @Test func aBodyMayNotPauseLongerThanItsTimeout() {
        var progress = RequestProgress()
        progress.headReceived(at: start)
        progress.bodyBytesArrived(at: start + .seconds(8))
        #expect(progress.expired(at: start + .seconds(17), headTimeout: head, bodyTimeout: body) == nil)
        #expect(progress.expired(at: start + .seconds(18), headTimeout: head, bodyTimeout: body) == .requestBody)
        progress.completed()
        #expect(progress.expired(at: start + .seconds(100), headTimeout: head, bodyTimeout: body) == nil)
    }

    @Test func bodyBytesBeforeAHeadChangeNothing() {
        var progress = RequestProgress()
        progress.bodyBytesArrived(at: start)
        #expect(progress.phase == .waiting)
    }

    @Test func aStreamThatNeverSentAByteIsStalledSinceItOpened() {
        let watch = StallWatch(timeout: .seconds(30))
        #expect(watch.start(mark: nil, tick: 15, openedTick: 0) == .stopWatching)
        #expect(watch.start(mark: 0, tick: 15, openedTick: 0) == .checkAgain(.stallCheck(sent: 0, since: 0), afterTicks: 7))
        #expect(watch.check(mark: 0, carried: 0, since: 0, tick: 29) == .checkAgain(.stallCheck(sent: 0, since: 0), afterTicks: 1))
        #expect(watch.check(mark: 0, carried: 0, since: 0, tick: 30) == .stalled)
    }

    @Test func bytesLeavingTheQueueRestartTheClock() {
        let watch = StallWatch(timeout: .seconds(4))
        #expect(watch.start(mark: 500, tick: 10, openedTick: 0) == .checkAgain(.stallCheck(sent: 500, since: 10), afterTicks: 1))
        #expect(watch.check(mark: 900, carried: 500, since: 10, tick: 13) == .checkAgain(.stallCheck(sent: 900, since: 13), afterTicks: 1))
        #expect(watch.check(mark: 900, carried: 900, since: 13, tick: 16) == .checkAgain(.stallCheck(sent: 900, since: 13), afterTicks: 1))
        #expect(watch.check(mark: 900, carried: 900, since: 13, tick: 17) == .stalled)
        #expect(watch.check(mark: nil, carried: 900, since: 13, tick: 17) == .stopWatching)  // drained meanwhile
    }

    /// An HTTP/1.1 heartbeat queues more bytes (chunk framing, TLS overhead) than it counts as written, so
    /// it lowers the mark: that is not progress, and 15 s heartbeats must not hold off a 30 s stall deadline.
    @Test func aLowerMarkDoesNotRestartTheClock() {
        let watch = StallWatch(timeout: .seconds(4))
        #expect(watch.check(mark: 860, carried: 900, since: 13, tick: 14) == .checkAgain(.stallCheck(sent: 860, since: 13), afterTicks: 1))
        #expect(watch.check(mark: 820, carried: 860, since: 13, tick: 17) == .stalled)
        #expect(watch.check(mark: 861, carried: 860, since: 13, tick: 15) == .checkAgain(.stallCheck(sent: 861, since: 15), afterTicks: 1))
        #expect(watch.check(mark: 3, carried: UInt32.max - 2, since: 13, tick: 15) == .checkAgain(.stallCheck(sent: 3, since: 15), afterTicks: 1))
    }

    @Test func stallTimeoutsRoundUpToWholeTicks() {
        #expect(StallWatch(timeout: .milliseconds(1500)).timeoutTicks == 2)
        #expect(StallWatch(timeout: .milliseconds(10)).timeoutTicks == 1)
    }

    @Test func theTimerFiresByTheEarliestDeadlineAndAsksWhenToLookAgain() {
        let loop = EmbeddedEventLoop()
        var checks: [Int64] = []
        var next: NIODeadline? = nil
        let timer = DeadlineTimer(eventLoop: loop) {
            checks.append(Int64(loop.now.uptimeNanoseconds / 1_000_000_000))
            return next
        }
        let origin = loop.now
        timer.arm(at: origin + .seconds(10))
        timer.arm(at: origin + .seconds(20))  // later: nothing moves
        timer.arm(at: origin + .seconds(5))  // earlier: moved
        next = origin + .seconds(12)
        loop.advanceTime(by: .seconds(5))
        #expect(checks.count == 1)
        next = nil
        loop.advanceTime(by: .seconds(7))
        #expect(checks.count == 2)
        loop.advanceTime(by: .seconds(30))
        #expect(checks.count == 2)
        timer.cancel()
    }
}
