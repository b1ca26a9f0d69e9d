import Testing

@testable import GatewayRedis

/// The blocking reader's rules alone; a class stands for a connection.
struct RedisBlockingReaderStateMachineTests {
    final class FakeConnection {}

    @Test func firstReadOpensThenSendsAndLaterReadsReuseTheConnection() {
        var machine = RedisBlockingReaderStateMachine<FakeConnection>()
        guard case .openConnection(let first) = machine.readRequested(isOpen: { _ in true }) else { Issue.record("no open"); return }
        guard case .fail(.readInProgress) = machine.readRequested(isOpen: { _ in true }) else { Issue.record("two reads"); return }
        let connection = FakeConnection()
        guard case .send(let on) = machine.connectionOpened(read: first, connection), on === connection else { Issue.record("not sent"); return }
        #expect(machine.isWaiting(read: first))
        machine.readEnded(read: first)
        #expect(!machine.isWaiting(read: first))
        guard case .send(let second, let reused) = machine.readRequested(isOpen: { _ in true }), reused === connection else { Issue.record("not reused"); return }
        #expect(second == first + 1)
    }

    @Test func aClosedConnectionIsReplacedOnTheNextRead() {
        var machine = RedisBlockingReaderStateMachine<FakeConnection>()
        guard case .openConnection(let read) = machine.readRequested(isOpen: { _ in true }) else { return }
        _ = machine.connectionOpened(read: read, FakeConnection())
        machine.readEnded(read: read)
        guard case .openConnection = machine.readRequested(isOpen: { _ in false }) else { Issue.record("dead connection reused"); return }
    }

    @Test func aFailedConnectFreesTheReader() {
        var machine = RedisBlockingReaderStateMachine<FakeConnection>()
        guard case .openConnection(let read) = machine.readRequested(isOpen: { _ in true }) else { return }
        machine.connectionFailed(read: read)
        guard case .openConnection = machine.readRequested(isOpen: { _ in true }) else { Issue.record("still busy"); return }
    }

    @Test func interruptWhileOpeningStopsTheSend() {
        var machine = RedisBlockingReaderStateMachine<FakeConnection>()
        guard case .nothingInFlight = machine.interruptRequested() else { Issue.record("interrupted nothing"); return }
        guard case .openConnection(let read) = machine.readRequested(isOpen: { _ in true }) else { return }
        guard case .stoppedBeforeSending = machine.interruptRequested() else { Issue.record("not stopped"); return }
        guard case .answerEmpty = machine.connectionOpened(read: read, FakeConnection()) else { Issue.record("sent anyway"); return }
        guard case .send = machine.readRequested(isOpen: { _ in true }) else { Issue.record("connection not kept"); return }
    }

    @Test func interruptWhileReadingUnblocksThatConnection() {
        var machine = RedisBlockingReaderStateMachine<FakeConnection>()
        guard case .openConnection(let read) = machine.readRequested(isOpen: { _ in true }) else { return }
        let connection = FakeConnection()
        _ = machine.connectionOpened(read: read, connection)
        guard case .unblock(read, let target) = machine.interruptRequested(), target === connection else { Issue.record("no unblock"); return }
    }

    @Test func closeRefusesReadsAndLateConnections() {
        var machine = RedisBlockingReaderStateMachine<FakeConnection>()
        guard case .openConnection(let read) = machine.readRequested(isOpen: { _ in true }) else { return }
        #expect(machine.closeRequested() == nil)
        guard case .closeAndFail = machine.connectionOpened(read: read, FakeConnection()) else { Issue.record("kept after close"); return }
        guard case .fail(.closed) = machine.readRequested(isOpen: { _ in true }) else { Issue.record("read after close"); return }
    }
}
