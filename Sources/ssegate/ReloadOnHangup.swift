import Dispatch
import Foundation
import GatewayServer

/// SIGHUP calls `GatewayServer.reload()`: the config the gateway started from is read again and the
/// runtime (routes, certificates, static files) swapped; listeners and the hub stay. A config with
/// problems is logged by the server and leaves the running one in place. This is what the systemd unit's
/// `ExecReload=/bin/kill -HUP $MAINPID` triggers.
final class ReloadOnHangup {
    private let source: any DispatchSourceSignal

    init(server: GatewayServer) {
        // The default action of SIGHUP ends the process; the dispatch source needs it ignored to see it.
        signal(SIGHUP, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "ssegate.reload"))
        source.setEventHandler {
            // The server logs the outcome, with every problem of a refused config. Reloads read token keys,
            // which needs an async context.
            Task { try? await server.reload() }
        }
        source.resume()
    }

    func cancel() { source.cancel() }
}
