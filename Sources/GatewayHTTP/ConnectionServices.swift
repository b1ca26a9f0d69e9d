import Logging
import NIOCore

/// What either protocol handler works with for one connection: its application, the settings it read
/// once, its loop's services, where it came from, and its logs.
struct ConnectionServices {
    let application: ApplicationSource
    /// Read from the application when the connection starts; fixed for its life.
    let settings: ConnectionSettings
    let loop: LoopServices
    let connection: ConnectionInfo
    let logger: Logger
    let accessLog: AccessLog
    /// Headers every answer of this connection carries, complete or stream (see `ResponseHeaders`).
    let responseHeaders: [(name: String, value: String)]

    init(application: @escaping ApplicationSource, loop: LoopServices, connection: ConnectionInfo, speaking applicationProtocol: ApplicationProtocol, logger: Logger) {
        self.application = application
        self.settings = application().connectionSettings
        self.loop = loop
        var connection = connection
        connection.applicationProtocol = applicationProtocol
        self.connection = connection
        self.logger = logger
        self.accessLog = AccessLog(logger: logger, enabled: settings.accessLog, protocolName: applicationProtocol.rawValue)
        self.responseHeaders = ResponseHeaders.everyResponse(hsts: settings.strictTransportSecurity[connection.listener])
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
