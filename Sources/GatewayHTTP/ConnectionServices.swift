import Logging
import NIOCore

/// What either protocol handler works with for one connection: its application, the settings it read
/// once, its loop's services, where it came from, and its logs.
struct ConnectionServices {
    let application: ApplicationSource
    /// Read from the application when the connection starts; fixed for its life. Shared with the
    /// application's other connections (a reference, not a copy per connection).
    private let sharedSettings: SharedConnectionSettings
    var settings: ConnectionSettings { sharedSettings.value }
    let loop: LoopServices
    let connection: ConnectionInfo
    /// The server's logger, without this connection's metadata (see `logger`).
    let baseLogger: Logger

    init(application: @escaping ApplicationSource, loop: LoopServices, connection: ConnectionInfo, speaking applicationProtocol: ApplicationProtocol, logger: Logger) {
        self.application = application
        self.sharedSettings = application().sharedConnectionSettings
        self.loop = loop
        var connection = connection
        connection.applicationProtocol = applicationProtocol
        self.connection = connection
        self.baseLogger = logger
    }

    /// Headers every answer of this connection carries, complete or stream (see `ResponseHeaders`). Made per
    /// answer rather than kept: a kept array is 64 bytes per connection, most of which answer once and
    /// then stream for hours.
    var responseHeaders: [(name: String, value: String)] {
        ResponseHeaders.everyResponse(hsts: settings.strictTransportSecurity[connection.listener])
    }

    /// The connection's logger (its id, listener and peer on every line), made when a line is written
    /// rather than kept: a kept copy with its own metadata is ~0.6 KiB per connection, and an idle
    /// connection writes nothing.
    var logger: Logger { connection.logger(from: baseLogger) }

    /// Made per line for the same reason; with the access log off it builds no logger at all.
    var accessLog: AccessLog {
        AccessLog(logger: settings.accessLog ? logger : baseLogger, enabled: settings.accessLog,
                  protocolName: connection.applicationProtocol.rawValue)
    }

    /// The pattern of the route a request target matches, for its access-log line.
    func route(for target: String) -> String? {
        let path = target.firstIndex(of: "?").map { target[..<$0] } ?? Substring(target)
        return application().routeLabel(for: path)
    }

    /// The application's answer to a request of this connection.
    func respond(to request: Request) -> Response {
        application().respond(to: request, on: loop.eventLoop)
    }
}
