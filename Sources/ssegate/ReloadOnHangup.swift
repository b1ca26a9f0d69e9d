import Dispatch
import Foundation
import GatewayConfig
import GatewayServer
import Logging

/// SIGHUP re-reads the config the gateway started with and swaps the runtime (routes, certificates,
/// static files); listeners and the hub stay. A config with problems is logged and leaves the running one
/// in place. This is what the systemd unit's `ExecReload=/bin/kill -HUP $MAINPID` triggers.
final class ReloadOnHangup {
    private let source: any DispatchSourceSignal

    init(server: GatewayServer, options: ConfigOption, logger: Logger) {
        // The default action of SIGHUP ends the process; the dispatch source needs it ignored to see it.
        signal(SIGHUP, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "ssegate.reload"))
        source.setEventHandler {
            do {
                let (configuration, origin) = try options.load()
                try server.replaceRuntime(with: configuration)
                logger.notice("reloaded", metadata: ["config": "\(origin)", "routes": "\(configuration.routes.count)"])
            } catch {
                logger.error("reload refused; the running configuration stays", metadata: ["error": "\(error)"])
            }
        }
        source.resume()
    }

    func cancel() { source.cancel() }
}
