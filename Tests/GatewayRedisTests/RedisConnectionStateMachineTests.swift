import Testing

@testable import GatewayRedis

/// The connection's rules alone, with plain integers standing for waiting commands.
struct RedisConnectionStateMachineTests {
    @Test func repliesGoToTheOldestCommand() {
        var machine = RedisConnectionStateMachine<Int>()
        for command in 1...3 { guard case .write = machine.commandSubmitted(command) else { Issue.record("refused"); return } }
        guard case .deliver(1, .integer(10)) = machine.replyReceived(.integer(10)) else { Issue.record("not 1"); return }
        guard case .ignore = machine.replyReceived(.push([])) else { Issue.record("push delivered"); return }
        guard case .deliver(2, _) = machine.replyReceived(.null) else { Issue.record("not 2"); return }
        #expect(machine.pendingCount == 1)
    }

    @Test func closeWithNothingPendingClosesAtOnce() {
        var machine = RedisConnectionStateMachine<Int>()
        guard case .closeChannel = machine.closeRequested() else { Issue.record("waited"); return }
        guard case .fail(.closing) = machine.commandSubmitted(1) else { Issue.record("accepted"); return }
        guard case .alreadyClosed = machine.closeRequested() else { Issue.record("closed twice"); return }
    }

    @Test func closeWaitsForTheLastReply() {
        var machine = RedisConnectionStateMachine<Int>()
        _ = machine.commandSubmitted(1)
        _ = machine.commandSubmitted(2)
        guard case .waitForReplies = machine.closeRequested() else { Issue.record("closed early"); return }
        guard case .fail(.closing) = machine.commandSubmitted(3) else { Issue.record("accepted while closing"); return }
        guard case .deliver(1, _) = machine.replyReceived(.null) else { Issue.record("not 1"); return }
        guard case .deliverThenClose(2, _) = machine.replyReceived(.null) else { Issue.record("did not close"); return }
    }

    @Test func theFirstErrorIsTheReasonForEverything() {
        var machine = RedisConnectionStateMachine<Int>()
        _ = machine.commandSubmitted(1)
        _ = machine.commandSubmitted(2)
        let first = machine.connectionEnded(.protocolViolation(.invalidLength))
        #expect(Array(first.unanswered) == [1, 2])
        #expect(first.error == .protocolViolation(.invalidLength))
        let second = machine.connectionEnded(.connectionClosed)
        #expect(second.unanswered.isEmpty)
        guard case .fail(.protocolViolation(.invalidLength)) = machine.commandSubmitted(3) else { Issue.record("wrong reason"); return }
    }

    @Test func anUnexpectedReplyClosesTheConnection() {
        var machine = RedisConnectionStateMachine<Int>()
        guard case .closeOutOfStep = machine.replyReceived(.simpleString("OK")) else { Issue.record("accepted"); return }
        guard case .fail(.unexpectedReply) = machine.commandSubmitted(1) else { Issue.record("still open"); return }
    }
}

/// The pool's rules alone: a class stands for a connection, integers for waiting commands.
struct RedisPoolStateMachineTests {
    final class FakeConnection {}

    private static let backoff = RedisBackoff(initial: .milliseconds(100), maximum: .seconds(1)) { 1 }  // no jitter: the top of the range

    private static func connects(_ actions: [RedisPoolStateMachine<FakeConnection, Int>.Action]) -> [Int] {
        actions.compactMap { if case .connect(let slot) = $0 { return slot } else { return nil } }
    }

    @Test func startConnectsEverySlotAndCommandsWaitForTheFirstConnection() {
        var machine = RedisPoolStateMachine<FakeConnection, Int>(size: 3, backoff: Self.backoff)
        #expect(Self.connects(machine.start()) == [0, 1, 2])
        #expect(machine.commandArrived(1) == nil)
        #expect(machine.commandArrived(2) == nil)
        let connection = FakeConnection()
        guard case .send(let waiters, let on) = machine.connectSucceeded(slot: 1, connection).first else { Issue.record("no send"); return }
        #expect(waiters == [1, 2] && on === connection)
    }

    @Test func commandsTakeConnectedSlotsInTurn() {
        var machine = RedisPoolStateMachine<FakeConnection, Int>(size: 2, backoff: Self.backoff)
        _ = machine.start()
        let (a, b) = (FakeConnection(), FakeConnection())
        _ = machine.connectSucceeded(slot: 0, a)
        _ = machine.connectSucceeded(slot: 1, b)
        var used: [ObjectIdentifier] = []
        for command in 0..<4 {
            guard case .send(_, let connection) = machine.commandArrived(command) else { Issue.record("not sent"); return }
            used.append(ObjectIdentifier(connection))
        }
        #expect(used == [a, b, a, b].map(ObjectIdentifier.init))
    }

    @Test func whenEverySlotFailedCommandsFailFastAndReconnectsBackOff() {
        var machine = RedisPoolStateMachine<FakeConnection, Int>(size: 2, backoff: Self.backoff)
        _ = machine.start()
        #expect(machine.commandArrived(7) == nil)
        guard case .scheduleReconnect(0, .milliseconds(100)) = machine.connectFailed(slot: 0).first else { Issue.record("no backoff"); return }
        let last = machine.connectFailed(slot: 1)
        guard case .failUnavailable([7]) = last.last else { Issue.record("waiter kept: \(last)"); return }
        guard case .failUnavailable([8]) = machine.commandArrived(8) else { Issue.record("did not fail fast"); return }
        #expect(Self.connects(machine.reconnectTimerFired(slot: 0)) == [0])
        guard case .failUnavailable = machine.commandArrived(9) else { Issue.record("waits on a retry"); return }
        guard case .scheduleReconnect(0, .milliseconds(200)) = machine.connectFailed(slot: 0).first else { Issue.record("no doubling"); return }
    }

    @Test func aDroppedConnectionIsReplacedAtOnceAndCommandsWaitForThat() {
        var machine = RedisPoolStateMachine<FakeConnection, Int>(size: 1, backoff: Self.backoff)
        _ = machine.start()
        let old = FakeConnection()
        _ = machine.connectSucceeded(slot: 0, old)
        #expect(machine.connectionClosed(slot: 0, FakeConnection()).isEmpty)  // not this slot's connection
        #expect(Self.connects(machine.connectionClosed(slot: 0, old)) == [0])
        #expect(machine.commandArrived(1) == nil)
        #expect(machine.connectedCount == 0)
    }

    @Test func shutdownClosesConnectionsAndRefusesEverything() {
        var machine = RedisPoolStateMachine<FakeConnection, Int>(size: 2, backoff: Self.backoff)
        _ = machine.start()
        let connection = FakeConnection()
        _ = machine.connectSucceeded(slot: 0, connection)
        _ = machine.connectFailed(slot: 1)
        guard case .close(let closed) = machine.shutdownRequested().first, closed.count == 1 else { Issue.record("not closed"); return }
        guard case .failUnavailable = machine.commandArrived(1) else { Issue.record("accepted"); return }
        guard case .close = machine.connectSucceeded(slot: 1, FakeConnection()).first else { Issue.record("late connection kept"); return }
        #expect(machine.reconnectTimerFired(slot: 1).isEmpty)
    }
}

struct RedisBackoffTests {
    @Test(arguments: [
        (1, 1.0, 100), (2, 1.0, 200), (3, 1.0, 400), (5, 1.0, 1000), (50, 1.0, 1000),
        (1, 0.0, 50), (4, 0.0, 400), (4, 0.5, 600),
    ])
    func delayDoublesUpToTheCapWithEqualJitter(failures: Int, unit: Double, milliseconds: Int) {
        let backoff = RedisBackoff(initial: .milliseconds(100), maximum: .seconds(1)) { unit }
        #expect(backoff.delay(afterFailures: failures) == .milliseconds(milliseconds))
    }
}
