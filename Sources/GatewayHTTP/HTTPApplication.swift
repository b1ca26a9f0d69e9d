import GatewayHTTP2
import NIOCore
import Synchronization

/// What connections ask of the layer above: settings once per connection, an answer per request. The
/// application's runtime snapshot is one; this module knows nothing of what it routes to.
public protocol HTTPApplication: Sendable {
    /// Read when a connection starts; the connection keeps them for its life.
    var connectionSettings: ConnectionSettings { get }
    /// The same settings behind one reference that every connection keeps (see `SharedConnectionSettings`).
    var sharedConnectionSettings: SharedConnectionSettings { get }
    /// The answer to one request, decided on the connection's loop.
    func respond(to request: Request, on loop: any EventLoop) -> Response
    /// The pattern of the route `path` matches, for logs; nil when none does.
    func routeLabel(for path: Substring) -> String?
}

extension HTTPApplication {
    /// Applications without named routes log none.
    public func routeLabel(for path: Substring) -> String? { nil }

    /// Applications that keep no shared copy give each connection its own.
    public var sharedConnectionSettings: SharedConnectionSettings { SharedConnectionSettings(connectionSettings) }
}

/// `ConnectionSettings` behind one reference: they are ~230 bytes (HTTP/2 limits, timeouts, HSTS), the
/// same for every connection of an application, and each connection kept its own copy inline.
public final class SharedConnectionSettings: Sendable {
    public let value: ConnectionSettings

    public init(_ value: ConnectionSettings) {
        self.value = value
    }
}

/// The one shared reference every connection reads the current application through. Replacing it (a
/// reload) is one step: new handshakes and requests see the new application, running streams keep theirs.
public final class ApplicationReference<Application: HTTPApplication>: Sendable {
    private let value: Mutex<Application>

    public init(_ application: Application) {
        value = Mutex(application)
    }

    public var current: Application { value.withLock { $0 } }

    public func replace(with application: Application) {
        value.withLock { $0 = application }
    }
}

/// How a connection reads its application: one call per request, so a replaced application takes
/// effect on the next request.
public typealias ApplicationSource = @Sendable () -> any HTTPApplication

/// What a connection needs from the configuration, fixed for its life.
public struct ConnectionSettings: Sendable {
    /// HTTP/2 SETTINGS, flood limits and the idle timeout of HTTP/2 connections.
    public var http2: HTTP2SessionSettings
    /// HTTP/1.1 keep-alive.
    public var http1: HTTP1Settings
    /// Largest HTTP/1.1 request head (request line + headers).
    public var maxRequestHeadBytes: Int
    /// Largest request body (a publish); both protocols answer 413 past it.
    public var maxRequestBodyBytes: Int
    /// Bytes a stream may have queued but unsent before it is ended as a slow consumer.
    public var outboundBudget: Int
    /// One access-log line per answered request and per closed stream.
    public var accessLog: Bool
    /// The `strict-transport-security` header of each TLS listener that sends one, by listener name.
    public var strictTransportSecurity: [String: StrictTransportSecurity] = [:]
    /// A request head (HTTP/1.1 headers, an HTTP/2 header block) must complete this long after its first
    /// byte, or the connection is closed. Default: 15 s.
    public var requestHeadTimeout: Duration = .seconds(15)
    /// A request body may go this long without a byte: past it the HTTP/1.1 connection is closed, the
    /// HTTP/2 stream reset. Default: 10 s.
    public var requestBodyTimeout: Duration = .seconds(10)

    public init(http2: HTTP2SessionSettings, http1: HTTP1Settings, maxRequestHeadBytes: Int, maxRequestBodyBytes: Int, outboundBudget: Int, accessLog: Bool) {
        self.http2 = http2
        self.http1 = http1
        self.maxRequestHeadBytes = maxRequestHeadBytes
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.outboundBudget = outboundBudget
        self.accessLog = accessLog
        self.http2.maxRequestBodyBytes = maxRequestBodyBytes
    }
}

/// HTTP/1.1 connections.
public struct HTTP1Settings: Sendable, Equatable {
    /// A keep-alive connection that sits between requests this long is closed. Default: 60 s.
    public var idleTimeout: Duration

    public init(idleTimeout: Duration = .seconds(60)) {
        self.idleTimeout = idleTimeout
    }
}
