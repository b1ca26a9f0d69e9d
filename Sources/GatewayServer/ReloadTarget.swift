import GatewayApp
import Synchronization

/// The reload hook's way back to its server: the runtime snapshot (which holds the hook) is built while
/// the server is being initialised, so the server is attached once it exists. Weak, so the hook keeps
/// no server alive.
final class ReloadTarget: Sendable {
    private let server = Mutex<WeakServer>(WeakServer())

    private struct WeakServer {
        weak var value: GatewayServer?
    }

    func attach(_ server: GatewayServer) {
        self.server.withLock { $0.value = server }
    }

    func reload() async throws {
        guard let server = server.withLock({ $0.value }) else { throw ServerStopped() }
        // The admin API asks for the configuration to be read again: say so when there is none to read
        // (SIGHUP then still reloads the certificate files; `GatewayServer.reload()`).
        guard server.configurationPath != nil || server.configurationSource != nil else { throw ReloadUnavailable() }
        if case .refused(let problems) = await server.reload() { throw ReloadRefused(problems: problems) }
    }

    /// A reload that changed nothing; the server logged each problem.
    struct ReloadRefused: Error, CustomStringConvertible {
        var problems: [String]
        var description: String { problems.joined(separator: "; ") }
    }

    struct ServerStopped: Error, CustomStringConvertible {
        var description: String { "the server is gone" }
    }
}
