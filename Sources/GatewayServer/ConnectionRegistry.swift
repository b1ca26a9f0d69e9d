import NIOCore
import Synchronization

/// Open connections, for admission limits (total and per client IP) and for draining them all.
final class ConnectionRegistry: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var perAddress: [String: Int] = [:]
    }

    private let state = Mutex(State())
    private let maxConnections: Int
    private let maxPerAddress: Int

    init(maxConnections: Int, maxPerAddress: Int) {
        self.maxConnections = maxConnections
        self.maxPerAddress = maxPerAddress
    }

    enum Admission { case admitted, tooManyConnections, tooManyFromAddress }

    /// Admits the channel and forgets it when it closes, or says which limit it hit.
    func admit(_ channel: any Channel) -> Admission {
        let address = channel.remoteAddress?.ipAddress ?? "unknown"
        let admission: Admission = state.withLock { state in
            if state.channels.count >= maxConnections { return .tooManyConnections }
            let fromAddress = state.perAddress[address, default: 0]
            if maxPerAddress > 0, fromAddress >= maxPerAddress { return .tooManyFromAddress }
            state.channels[ObjectIdentifier(channel)] = channel
            state.perAddress[address] = fromAddress + 1
            return .admitted
        }
        if case .admitted = admission {
            channel.closeFuture.whenComplete { _ in
                self.state.withLock { state in
                    state.channels[ObjectIdentifier(channel)] = nil
                    let remaining = state.perAddress[address, default: 1] - 1
                    state.perAddress[address] = remaining > 0 ? remaining : nil
                }
            }
        }
        return admission
    }

    var count: Int { state.withLock { $0.channels.count } }

    var channels: [any Channel] { state.withLock { Array($0.channels.values) } }
}
