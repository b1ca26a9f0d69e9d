import NIOCore
import Testing

@testable import GatewayTLS

@Suite struct TLSHandlerStateMachineTests {
    private static func machine(in state: TLSHandlerStateMachine.State) -> TLSHandlerStateMachine {
        var machine = TLSHandlerStateMachine()
        switch state {
        case .idle: break
        case .handshaking: _ = machine.channelActive()
        case .active: _ = machine.channelActive(); _ = machine.handshakeCompleted()
        case .closed: _ = machine.failed()
        }
        #expect(machine.state == state)
        return machine
    }

    @Test(arguments: [
        (.idle, .buffer, .wait),
        (.handshaking, .buffer, .wait),
        (.active, .encrypt, .sendCiphertext),
        (.closed, .fail, .forward),
    ] as [(TLSHandlerStateMachine.State, TLSHandlerStateMachine.WriteAction, TLSHandlerStateMachine.FlushAction)])
    func writesAndFlushes(
        state: TLSHandlerStateMachine.State,
        write: TLSHandlerStateMachine.WriteAction,
        flush: TLSHandlerStateMachine.FlushAction
    ) {
        let machine = Self.machine(in: state)
        #expect(machine.writeRequested() == write)
        #expect(machine.flushRequested() == flush)
    }

    @Test(arguments: [
        (.idle, CloseMode.all, .abandonThenClose, .closed),
        (.handshaking, .all, .abandonThenClose, .closed),
        (.active, .all, .sendCloseNotifyThenClose, .closed),
        (.active, .output, .sendCloseNotifyThenClose, .closed),
        (.active, .input, .forward, .active),
        (.closed, .all, .abandonThenClose, .closed),
    ] as [(TLSHandlerStateMachine.State, CloseMode, TLSHandlerStateMachine.CloseAction, TLSHandlerStateMachine.State)])
    func close(
        state: TLSHandlerStateMachine.State,
        mode: CloseMode,
        action: TLSHandlerStateMachine.CloseAction,
        after: TLSHandlerStateMachine.State
    ) {
        var machine = Self.machine(in: state)
        #expect(machine.closeRequested(mode: mode) == action)
        #expect(machine.state == after)
    }

    @Test func handshakeIsAnnouncedOnceAndOnlyFromHandshaking() {
        var machine = TLSHandlerStateMachine()
        #expect(machine.handshakeCompleted() == .ignore)
        #expect(machine.channelActive() == .startHandshake)
        #expect(machine.channelActive() == .none)
        #expect(machine.handshakeTimedOut())
        #expect(machine.handshakeCompleted() == .announce)
        #expect(machine.handshakeCompleted() == .ignore)
        #expect(!machine.handshakeTimedOut())
    }

    @Test func firstBytesStartTheHandshakeAndClosedDropsThem() {
        var machine = TLSHandlerStateMachine()
        #expect(machine.ciphertextReceived() == .startHandshake)
        #expect(machine.ciphertextReceived() == .continueHandshake)
        _ = machine.handshakeCompleted()
        #expect(machine.ciphertextReceived() == .readPlaintext)
        #expect(machine.closeNotifyReceived() == .replyThenClose)
        #expect(machine.ciphertextReceived() == .drop)
        #expect(machine.closeNotifyReceived() == .ignore)
    }

    @Test func onlyTheFirstFailureIsReported() {
        var machine = Self.machine(in: .handshaking)
        #expect(machine.failed() == .reportAndClose)
        #expect(machine.failed() == .ignore)
        #expect(!machine.handshakeTimedOut())
    }
}
