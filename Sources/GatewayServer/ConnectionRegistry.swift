import GatewayApp
import GatewayConfig
import NIOCore
import Synchronization

/// Open connections: admission against the process cap, each listener's cap and its per-client cap (an
/// IPv4 address or an IPv6 /64, `ClientAddressKey`), and the list a drain walks.
///
/// The limits are passed to each `admit`, read from the current configuration, so a reload changes them
/// for new connections without touching open ones. Memory is bounded by the open connections: a client's
/// count is removed when its last connection closes.
final class ConnectionRegistry: Sendable {
    private struct ListenerCount {
        var open = 0
        var perClient: [ClientAddressKey: Int] = [:]
    }

    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var listeners: [String: ListenerCount] = [:]
    }

    private let state = Mutex(State())

    /// Admits the channel (it is forgotten when it closes), or says which limit it hit.
    func admit(_ channel: any Channel, client: ClientAddressKey, listener: String, limits: ListenerLimits, processCap: Int) -> ConnectionRefusal? {
        let refusal: ConnectionRefusal? = state.withLock { state in
            if state.channels.count >= processCap { return .processFull }
            let counts = state.listeners[listener, default: ListenerCount()]
            if counts.open >= limits.maxConnections { return .listenerFull }
            let fromClient = counts.perClient[client, default: 0]
            if limits.maxConnectionsPerIP > 0, fromClient >= limits.maxConnectionsPerIP { return .perIP }
            state.channels[ObjectIdentifier(channel)] = channel
            state.listeners[listener, default: ListenerCount()].open += 1
            state.listeners[listener, default: ListenerCount()].perClient[client] = fromClient + 1
            return nil
        }
        guard refusal == nil else { return refusal }
        channel.closeFuture.whenComplete { _ in
            self.state.withLock { state in
                state.channels[ObjectIdentifier(channel)] = nil
                guard var counts = state.listeners.removeValue(forKey: listener) else { return }
                counts.open -= 1
                let remaining = counts.perClient[client, default: 1] - 1
                counts.perClient[client] = remaining > 0 ? remaining : nil
                if counts.open > 0 { state.listeners[listener] = counts }
            }
        }
        return nil
    }

    var count: Int { state.withLock { $0.channels.count } }

    /// Open connections on one listener.
    func count(listener: String) -> Int { state.withLock { $0.listeners[listener]?.open ?? 0 } }

    /// Clients with a connection open (all listeners): what the per-client counts cost in memory.
    var clientCount: Int { state.withLock { $0.listeners.values.reduce(0) { $0 + $1.perClient.count } } }

    var channels: [any Channel] { state.withLock { Array($0.channels.values) } }
}
